//! GET and POST /sections/{id}/propose

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProposeForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    action: String,
}

pub(super) async fn propose_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if viewer.user.is_none() {
        return Ok(signin_needed(
            &viewer,
            "You need an account to propose a change to a section.",
        ));
    }
    viewer.require_writer()?;
    let (section, base) = state
        .with_lib(move |lib| Ok((lib.section(&id, "main")?, lib.main()?.0)))
        .await?;
    let form = ProposeForm {
        text: section.text.clone(),
        base,
        ..ProposeForm::default()
    };
    Ok(propose_page(&viewer, &section, &form, Vec::new(), None))
}

pub(super) fn propose_page(
    viewer: &Viewer,
    section: &quire_core::Section,
    form: &ProposeForm,
    errors: Vec<ErrorItem>,
    preview: Option<(String, String)>,
) -> Response {
    page(&ProposePage {
        chrome: Chrome::of(viewer),
        title_error: error_for(&errors, "title"),
        rationale_error: error_for(&errors, "rationale"),
        text_error: error_for(&errors, "text"),
        errors,
        section_id: section.id.to_string(),
        section_title: section.title.clone(),
        base: form.base.clone(),
        title: form.title.clone(),
        rationale: form.rationale.clone(),
        text: form.text.clone(),
        preview,
    })
}

/// Checks the propose form against the section's text at its base; one message per field.
pub(super) fn check_propose(form: &ProposeForm, section: &quire_core::Section) -> Vec<ErrorItem> {
    let mut errors = Vec::new();
    if form.title.trim().is_empty() {
        errors.push(ErrorItem::field("title", "Enter a title for your proposal"));
    } else if let Err(e) = check_title("title", &form.title) {
        errors.push(ErrorItem::field(
            "title",
            format!("Check the title: {}", reason(e)),
        ));
    }
    if let Err(e) = check_body("rationale", &form.rationale, true) {
        errors.push(ErrorItem::field(
            "rationale",
            format!("Check why this change helps: {}", reason(e)),
        ));
    }
    match check_section_text(&section.id, &form.text) {
        Err(e) => errors.push(ErrorItem::field(
            "text",
            format!("Check the proposed text: {}", reason(e)),
        )),
        Ok(t) if t == section.text => errors.push(ErrorItem::field(
            "text",
            "Change the proposed text: it is the same as the section's current text",
        )),
        Ok(_) => {}
    }
    errors
}

/// The rendered text (headings under the page's) and its word diff against `old`.
pub(super) fn preview_of(old: &str, new: &str, demote: u8) -> (String, String) {
    let new = new.replace("\r\n", "\n");
    let rendered = demote_headings(&markdown(&new), demote);
    let diff = prose::diff(old.trim_end_matches('\n'), new.trim_matches('\n'));
    let diff_html = if diff.is_empty() {
        "<p>No changes yet: the text is the same as the current text.</p>".to_string()
    } else {
        prose::render_html(&diff)
    };
    (rendered, diff_html)
}

pub(super) async fn propose(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ProposeForm>,
) -> Result<Response, AppError> {
    let user = viewer.require_writer()?.clone();
    let base = if form.base.trim().is_empty() {
        "main".to_string()
    } else {
        form.base.trim().to_string()
    };
    let at = base.clone();
    let audience = viewer.audience();
    let section = state
        .with_lib(move |lib| {
            // The base names a commit the form came from: only one this visitor may see.
            let at = lib.resolve_for(&at, &audience)?;
            Ok(lib.section(&id, &at.0)?)
        })
        .await?;
    if form.action != "submit" {
        let preview = state.expensive(&user, || preview_of(&section.text, &form.text, 3))?;
        return Ok(propose_page(
            &viewer,
            &section,
            &form,
            Vec::new(),
            Some(preview),
        ));
    }
    let errors = check_propose(&form, &section);
    if !errors.is_empty() {
        return Ok(with_status(
            propose_page(&viewer, &section, &form, errors, None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    state.check_write_rate(&user)?;
    let req = NewProposal {
        title: form.title.clone(),
        rationale: form.rationale.clone(),
        author: user.identity(),
        changes: vec![(section.id.clone(), form.text.clone())],
        base: Some(base),
    };
    match state.with_lib(move |lib| Ok(lib.propose(&req)?)).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}", p.number))),
        Err(e) => match refusal(&e) {
            Some((status, message)) => Ok(with_status(
                propose_page(
                    &viewer,
                    &section,
                    &form,
                    vec![ErrorItem::general(message)],
                    None,
                ),
                status,
            )),
            None => Err(e),
        },
    }
}
