use crate::domain::enums::LabelSource;
use crate::domain::label::Label as LabelRecord;
use crate::graphql::context::Require;
use async_graphql::{ID, Object};

pub struct Label(pub LabelRecord);

/// A label from the catalogue: VIP, high-priority debtor, campaign segment…
#[Object(guard = "Require(None)", directive = crate::graphql::directives::authenticated::apply())]
impl Label {
    /// The label's id, for `assignLabels` and `CustomerFilter.labelIds`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The label's name, unique regardless of case and spacing.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// `#rrggbb`.
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }

    /// What the label means, for agents; `null` when none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Where the label came from (labels created with `createLabel` are `MANUAL`).
    async fn source(&self) -> LabelSource {
        self.0.source
    }
}
