//! Reading and clearing detections (`accessAnomalies`, `clearAccessAnomaly`).

use super::Detector;
use crate::domain::anomaly::{AnomalyRule, Detection, DetectionFilter, accept_hour};
use crate::domain::{Error, Result};
use crate::store::{anomalies, anomaly_detections, commit};

impl Detector {
    /// Detections, newest first.
    pub async fn list(&self, filter: &DetectionFilter) -> Result<Vec<Detection>> {
        Ok(anomaly_detections::list(&self.store.db, filter).await?)
    }

    /// Close detection `id`, recording `by`: `false` when it was already cleared. The
    /// rule's count starts afresh (an unusual hour is accepted for the rest of that day),
    /// so the next request does not detect it again at once. Unblocks on this replica at
    /// once, on the others within [`super::OPEN_CACHE`].
    pub async fn clear(&self, id: &str, by: &str) -> Result<bool> {
        let tx = self.store.begin_write().await?;
        let Some(detection) = anomaly_detections::get(&tx, id).await? else {
            return Err(Error::not_found("access anomaly", "id"));
        };
        let cleared = anomaly_detections::clear(&tx, id, by).await?;
        if cleared {
            anomalies::forget(&tx, &detection.principal, detection.rule.kinds()).await?;
            if detection.rule == AnomalyRule::UnusualHour {
                anomalies::record(&tx, &detection.principal, &[accept_hour(detection.detected_at)]).await?;
            }
        }
        commit(tx).await?;
        if cleared {
            self.forget(&detection.principal);
            tracing::warn!(
                target: "security",
                event = "access_anomaly_cleared",
                anomaly_id = %detection.id,
                principal = %detection.principal,
                rule = detection.rule.as_str(),
                cleared_by = %by,
                "access anomaly cleared"
            );
        }
        Ok(cleared)
    }
}
