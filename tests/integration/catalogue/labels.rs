//! The label catalogue: create, update, delete and list, with names unique regardless
//! of case.

use crate::common::*;
use serde_json::{Value, json};

async fn catalogue(app: &TestApp) -> Value {
    app.admin(LABELS, json!({})).await["labels"].clone()
}

async fn creating_a_label_trims_its_name_and_normalises_its_colour(app: &TestApp) {
    let input = json!({ "name": "  VIP customer \t", "color": "#FFAA0B", "description": " Spends a lot " });
    let label = app.admin(CREATE_LABEL, json!({ "input": input })).await["createLabel"].clone();

    assert_eq!(label["name"], "VIP customer");
    assert_eq!(label["color"], "#ffaa0b");
    assert_eq!(label["description"], "Spends a lot");
    assert_eq!(label["source"], "MANUAL");
    assert!(uuid::Uuid::parse_str(label["id"].as_str().unwrap()).is_ok(), "{label}");
    assert_eq!(catalogue(app).await, json!([{ "id": label["id"], "name": "VIP customer", "color": "#ffaa0b" }]));
}

async fn a_label_name_taken_in_another_case_is_a_conflict(app: &TestApp) {
    app.create_label("VIP").await;

    let body = app.attempt(CREATE_LABEL, json!({ "input": { "name": " vip " } })).await;

    assert_error(&body, "CONFLICT", "input.name");
    assert_eq!(app.count_rows("labels").await, 1);
}

async fn a_colour_that_is_not_hex_is_bad_user_input(app: &TestApp) {
    for color in ["red", "#12345g", "#1234567", "##aa0000"] {
        let body = app.attempt(CREATE_LABEL, json!({ "input": { "name": "Urgent", "color": color } })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.color");
    }
    assert_eq!(app.count_rows("labels").await, 0);
}

async fn a_blank_label_name_is_bad_user_input(app: &TestApp) {
    for name in ["", "   "] {
        let body = app.attempt(CREATE_LABEL, json!({ "input": { "name": name } })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.name");
    }
    assert_eq!(app.count_rows("labels").await, 0);
}

async fn updating_a_label_renames_and_recolours_it(app: &TestApp) {
    let id = app.create_label("Debtor").await;

    let input = json!({ "name": " High-priority debtor ", "color": "#00FF00", "description": "Owes more than 1000" });
    let label = app.admin(UPDATE_LABEL, json!({ "id": id, "input": input })).await["updateLabel"].clone();

    let expected = json!({
        "id": id, "name": "High-priority debtor", "color": "#00ff00",
        "description": "Owes more than 1000", "source": "MANUAL"
    });
    assert_eq!(label, expected);
    assert_eq!(catalogue(app).await, json!([{ "id": id, "name": "High-priority debtor", "color": "#00ff00" }]));
}

async fn a_label_can_be_renamed_to_its_own_name_in_another_case(app: &TestApp) {
    let id = app.create_label("vip").await;

    let label = app.admin(UPDATE_LABEL, json!({ "id": id, "input": { "name": "VIP" } })).await["updateLabel"].clone();

    assert_eq!((label["id"].as_str(), label["name"].as_str()), (Some(id.as_str()), Some("VIP")));
}

async fn updating_an_unknown_label_is_not_found(app: &TestApp) {
    let body = app.attempt(UPDATE_LABEL, json!({ "id": missing_id(), "input": { "name": "Ghost" } })).await;

    assert_error(&body, "NOT_FOUND", "id");
    assert_eq!(app.count_rows("labels").await, 0);
}

async fn renaming_a_label_onto_another_labels_name_is_a_conflict(app: &TestApp) {
    app.create_label("Gold").await;
    let silver = app.create_label("Silver").await;

    let body = app.attempt(UPDATE_LABEL, json!({ "id": silver, "input": { "name": "GOLD" } })).await;

    assert_error(&body, "CONFLICT", "input.name");
    assert_eq!(strings(&catalogue(app).await, "name"), ["Gold", "Silver"]);
}

async fn deleting_a_label_returns_true_then_false(app: &TestApp) {
    let id = app.create_label("Temporary").await;

    assert_eq!(app.admin(DELETE_LABEL, json!({ "id": id })).await["deleteLabel"], true);
    assert_eq!(app.admin(DELETE_LABEL, json!({ "id": id })).await["deleteLabel"], false);
    assert_eq!(catalogue(app).await, json!([]));
}

async fn deleting_a_label_removes_it_from_the_customers_that_carried_it(app: &TestApp) {
    let doomed = app.create_label("Doomed").await;
    let kept = app.create_label("Kept").await;
    let first = app.create_customer(json!({ "labelIds": [doomed, kept] })).await;
    let second = app.create_customer(json!({ "labelIds": [doomed] })).await;

    app.admin(DELETE_LABEL, json!({ "id": doomed })).await;

    assert_eq!(app.label_names(&first).await, ["Kept"]);
    assert_eq!(app.label_names(&second).await, Vec::<String>::new());
    assert_eq!(app.count_rows("customer_labels").await, 1);
}

async fn the_catalogue_is_listed_by_name_regardless_of_case(app: &TestApp) {
    for name in ["beta", "Gamma", "alpha", "Delta"] {
        app.create_label(name).await;
    }

    assert_eq!(strings(&catalogue(app).await, "name"), ["alpha", "beta", "Delta", "Gamma"]);
}

on_both_databases!(
    creating_a_label_trims_its_name_and_normalises_its_colour,
    a_label_name_taken_in_another_case_is_a_conflict,
    a_colour_that_is_not_hex_is_bad_user_input,
    a_blank_label_name_is_bad_user_input,
    updating_a_label_renames_and_recolours_it,
    a_label_can_be_renamed_to_its_own_name_in_another_case,
    updating_an_unknown_label_is_not_found,
    renaming_a_label_onto_another_labels_name_is_a_conflict,
    deleting_a_label_returns_true_then_false,
    deleting_a_label_removes_it_from_the_customers_that_carried_it,
    the_catalogue_is_listed_by_name_regardless_of_case,
);
