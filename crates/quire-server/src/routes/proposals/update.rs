//! GET and POST /proposals/{n}/update

use super::*;

/// The update page: the conflicts with the draft, and a textarea per conflicting section
/// (given texts kept, else the draft's current text).
pub(super) fn update_page(
    lib: &Library,
    viewer: &Viewer,
    p: &Proposal,
    given: &[(SectionId, String)],
    errors: Vec<ErrorItem>,
) -> Result<Response, AppError> {
    let titles = titles_on_main(lib)?;
    let up_to_date = p.latest().base == lib.main()?;
    let report = match lib.mergeability_of(p)? {
        Mergeability::Conflict { report } => Some(report),
        Mergeability::Clean | Mergeability::Closed => None,
    };
    let mut fields = Vec::new();
    if let Some(r) = &report {
        for s in &r.sections {
            let Some(id) = p.sections.iter().find(|id| id.as_str() == s.section) else {
                continue;
            };
            let value = match given.iter().find(|(g, _)| g == id) {
                Some((_, t)) => t.clone(),
                None => lib.section(id.as_str(), "main")?.text,
            };
            let title = section_title(&titles, id.as_str());
            let mut field = text_field(id, &title, "Resolved text of", value);
            field.error = error_for(&errors, &field.id);
            fields.push(field);
        }
    }
    Ok(page(&UpdatePage {
        chrome: Chrome::of(viewer),
        errors,
        number: p.number,
        title: p.title.clone(),
        up_to_date,
        conflicts: report
            .as_ref()
            .map(|r| conflict_views(r, &titles))
            .unwrap_or_default(),
        fields,
    }))
}

pub(super) async fn update_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    editor_form(state, viewer, &n, "update", "updated", |lib, viewer, p| {
        update_page(lib, viewer, p, &[], Vec::new())
    })
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(n): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let n = number(&n)?;
    let user = poster(&state, &viewer)?;
    state
        .with_lib(move |lib| {
            let p = lib.proposal(n)?;
            authorise(&p, &user, Action::Edit)?;
            require_open(&p, "updated")?;
            let given = given_texts(&pairs, &p)?;
            let mut errors = Vec::new();
            for (id, text) in &given {
                if let Err(e) = check_section_text(id, text) {
                    errors.push(ErrorItem::field(
                        &format!("text-{id}"),
                        format!("Check the resolved text: {}", reason(e)),
                    ));
                }
            }
            let status = if errors.is_empty() {
                match lib.update(n, &user.identity(), &given) {
                    Ok(_) => return Ok(see_other(&format!("/proposals/{n}"))),
                    Err(e) => {
                        let no_change = matches!(e, CoreError::NoChange(_));
                        let e = AppError::from(e);
                        let Some((status, message)) = refusal(&e) else {
                            return Err(e);
                        };
                        errors.push(ErrorItem::general(message));
                        if no_change && given.is_empty() {
                            StatusCode::CONFLICT
                        } else {
                            status
                        }
                    }
                }
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let res = update_page(lib, &viewer, &p, &given, errors)?;
            Ok(with_status(res, status))
        })
        .await
}
