//! Snapshots of the forms and wizard steps people fill in.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use ticket_core::qna::{AnswerKind, QnaQuestion};
use ticket_core::render;
use ticket_core::{ApplicationId, CustomId, RequestedRole, TicketId};

#[test]
fn support_and_staff_forms() {
    insta::assert_yaml_snapshot!("open_support_form", render::open_support_form());
    insta::assert_yaml_snapshot!("resolve_form", render::resolve_form());
    insta::assert_yaml_snapshot!("decline_form", render::decline_form(ApplicationId::new(4)));
}

#[test]
fn the_step1_wizard_steps() {
    let ticket = TicketId::new(9);
    let options = vec!["medical".to_owned(), "salvage".to_owned(), "search and rescue".to_owned()];
    insta::assert_yaml_snapshot!("step1_area", render::step1_area_step(ticket, RequestedRole::Affiliate, &options));
    insta::assert_yaml_snapshot!(
        "step1_details",
        render::step1_details_step(ticket, RequestedRole::Affiliate, "salvage")
    );
    insta::assert_yaml_snapshot!("step1_form", render::step1_details_form(ticket, RequestedRole::Affiliate, "salvage"));
}

#[test]
fn the_default_qna_is_one_page() {
    let form = render::qna_form(ApplicationId::new(4), &QnaQuestion::defaults(), 1);
    insta::assert_yaml_snapshot!("qna_default", form);
}

#[test]
fn more_than_five_questions_make_more_pages() {
    let mut questions = QnaQuestion::defaults();
    for i in 1..=4 {
        questions.push(QnaQuestion::new(&format!("Extra question {i}"), AnswerKind::Keywords, i % 2 == 0).unwrap());
    }
    let first = render::qna_form(ApplicationId::new(4), &questions, 1);
    let second = render::qna_form(ApplicationId::new(4), &questions, 2);
    assert_eq!((first.inputs.len(), second.inputs.len()), (5, 3));
    assert_eq!(first.title, "Quick Q&A (1/2)");
    assert_eq!(second.id, CustomId::Qna(ApplicationId::new(4), 2));
    assert_eq!(second.inputs[0].id, "q5", "input ids continue across pages");
    insta::assert_yaml_snapshot!("qna_page_2", second);
    for modal in [first, second] {
        assert!(modal.title.chars().count() <= 45);
        assert!(modal.inputs.iter().all(|i| i.label.chars().count() <= 45 && i.max_len <= 4000));
    }
}

#[test]
fn every_custom_id_fits_discord() {
    let long_area = "x".repeat(32);
    let id = CustomId::Step1Form(TicketId::new(u64::MAX), RequestedRole::Affiliate, long_area);
    assert!(id.to_string().len() <= CustomId::MAX_LEN);
}
