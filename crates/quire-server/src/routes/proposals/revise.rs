//! GET and POST /proposals/{n}/revise

use super::*;

/// The section texts a form gives: `text_<id>` fields, or a lone `text` field for a
/// proposal of one section.
pub(super) fn given_texts(
    pairs: &[(String, String)],
    p: &Proposal,
) -> Result<Vec<(SectionId, String)>, AppError> {
    let mut out = Vec::new();
    for (id, text) in text_fields(pairs) {
        out.push((SectionId::new(&id)?, text));
    }
    if out.is_empty() && p.sections.len() == 1 {
        if let Some((_, t)) = pairs.iter().find(|(k, _)| k == "text") {
            out.push((p.sections[0].clone(), t.clone()));
        }
    }
    Ok(out)
}

pub(super) fn text_field(id: &SectionId, title: &str, label: &str, value: String) -> TextField {
    TextField {
        name: format!("text_{id}"),
        id: format!("text-{id}"),
        label: format!("{label} “{title}”"),
        value,
        error: None,
    }
}

/// The revise form: one textarea per section of the proposal (given texts kept), with
/// optional errors and previews.
#[allow(clippy::too_many_arguments)]
pub(super) fn revise_page(
    lib: &Library,
    viewer: &Viewer,
    p: &Proposal,
    from_revision: u32,
    given: &[(SectionId, String)],
    note: &str,
    errors: Vec<ErrorItem>,
    preview: bool,
) -> Result<Response, AppError> {
    let base = p.latest().base.0.clone();
    let mut ids = p.sections.clone();
    for (id, _) in given {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let mut fields = Vec::new();
    let mut previews = Vec::new();
    for id in &ids {
        let value = match given.iter().find(|(s, _)| s == id) {
            Some((_, t)) => t.clone(),
            None => lib.proposal_text(p.number, id, None)?,
        };
        let title = prose::first_heading(&value).unwrap_or_else(|| id.to_string());
        let mut field = text_field(id, &title, "Proposed text of", value);
        field.error = error_for(&errors, &field.id);
        if preview {
            let old = lib
                .section(id.as_str(), &base)
                .map(|s| s.text)
                .unwrap_or_default();
            let (html, diff_html) = preview_of(&old, &field.value, 3);
            previews.push((
                SectionHtml {
                    id: id.to_string(),
                    title: title.clone(),
                    html,
                },
                diff_html,
            ));
        }
        fields.push(field);
    }
    Ok(page(&RevisePage {
        chrome: Chrome::of(viewer),
        note_error: error_for(&errors, "note"),
        errors,
        number: p.number,
        title: p.title.clone(),
        fields,
        note: note.to_string(),
        previews,
        from_revision,
    }))
}

pub(super) async fn revise_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    editor_form(state, viewer, &n, "revise", "revised", |lib, viewer, p| {
        revise_page(
            lib,
            viewer,
            p,
            p.latest().number,
            &[],
            "",
            Vec::new(),
            false,
        )
    })
    .await
}

/// The GET side of a form only the author (or a maintainer) may use on an open proposal:
/// a sign-in page for visitors, 403 for others, else the page `render` makes.
pub(super) async fn editor_form<F>(
    state: AppState,
    viewer: Viewer,
    n: &str,
    verb: &'static str,
    action: &'static str,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&quire_core::Library, &Viewer, &quire_core::Proposal) -> Result<Response, AppError>
        + Send
        + 'static,
{
    let n = number(n)?;
    if viewer.user.is_none() {
        return Ok(signin_needed(
            &viewer,
            &format!("You need an account to {verb} a proposal."),
        ));
    }
    let user = viewer.require_writer()?.clone();
    state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, action)?;
            render(lib, &viewer, &p)
        })
        .await
}

pub(super) async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = viewer.require_writer()?.clone();
    let submit = first(&pairs, "action") != "preview";
    if submit {
        state.check_write_rate(&user)?;
    } else {
        state.expensive(&user, || ())?;
    }
    let res = state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, "revised")?;
            let given = given_texts(&pairs, &p)?;
            let note = first(&pairs, "note").to_string();
            // The revision the form was made from; a form without one (an older page)
            // saves over whatever is latest, as before.
            let from = match first(&pairs, "from") {
                "" => None,
                r => Some(r.parse::<u32>().map_err(|_| {
                    AppError::BadRequest(format!("the form's revision {r:?} is not a number"))
                })?),
            };
            let shown_from = from.unwrap_or(p.latest().number);
            if !submit {
                return revise_page(
                    lib,
                    &viewer,
                    &p,
                    shown_from,
                    &given,
                    &note,
                    Vec::new(),
                    true,
                );
            }
            let mut errors = Vec::new();
            if given.is_empty() {
                errors.push(ErrorItem::general(
                    "Give the new text of at least one section",
                ));
            }
            for (id, text) in &given {
                if let Err(e) = check_section_text(id, text) {
                    errors.push(ErrorItem::field(
                        &format!("text-{id}"),
                        format!("Check the proposed text: {}", reason(e)),
                    ));
                }
            }
            if let Err(e) = check_body("note", &note, true) {
                errors.push(ErrorItem::field(
                    "note",
                    format!("Check the note: {}", reason(e)),
                ));
            }
            let mut shown_from = shown_from;
            let status = if errors.is_empty() {
                match lib.revise_from(n, &user.identity(), from, &given, &note) {
                    Ok(_) => return Ok(see_other(&format!("/proposals/{n}"))),
                    Err(e) => {
                        let e = AppError::from(e);
                        let Some((status, message)) = refusal(&e) else {
                            return Err(e);
                        };
                        if matches!(e, AppError::Core(quire_core::Error::Outdated(_))) {
                            // The texts stay as typed; saving them again is now a
                            // choice made knowing the newer revision is there.
                            shown_from = p.latest().number;
                        }
                        errors.push(ErrorItem::general(message));
                        status
                    }
                }
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let res = revise_page(lib, &viewer, &p, shown_from, &given, &note, errors, false)?;
            Ok(with_status(res, status))
        })
        .await?;
    Ok(res)
}
