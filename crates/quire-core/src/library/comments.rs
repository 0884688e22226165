//! Section comments: feedback on a section's current text, not tied to a proposal. One
//! event log per section at `refs/comments/<section-id>`, state in `comments.json`.

use super::eventlog::{Apply, NewEvent};
use super::{git, Library};
use crate::error::{Error, Result};
use crate::ids::{check_body, Identity, SectionId};
use crate::layout::{self, COMMENTS_FILE};
use crate::model::{Comment, Event, SectionComments};

impl Library {
    /// Adds a comment on a section (which must exist on `main`).
    pub fn comment_section(&self, section: &str, who: &Identity, body: &str) -> Result<Comment> {
        let id = SectionId::new(section)?;
        let body = check_body("comment", body, false)?;
        if !self.manifest_at(self.main_oid()?)?.contains(&id) {
            return Err(Error::UnknownSection(id.to_string()));
        }
        let mut made = None;
        self.append_event(
            &layout::comments_ref(&id),
            COMMENTS_FILE,
            who,
            |state: Option<SectionComments>| {
                let mut s = state.unwrap_or_else(|| SectionComments::empty(id.clone()));
                let c = Comment {
                    id: s.comments.last().map_or(1, |c| c.id + 1),
                    author: who.clone(),
                    at: git::rfc3339(git::now()),
                    body: body.clone(),
                    revision: None,
                    hidden: None,
                    redacted: None,
                };
                s.comments.push(c.clone());
                let event = NewEvent {
                    kind: "commented",
                    subject: format!("Comment on section {id}"),
                    body: body.clone(),
                    trailers: vec![("Section", id.to_string()), ("Comment", c.id.to_string())],
                };
                made = Some(c);
                Ok(Apply::Write(s, event))
            },
        )?;
        Ok(made.expect("the closure ran and set the comment"))
    }

    /// The comments on a section, oldest first.
    pub fn section_comments(&self, section: &str) -> Result<Vec<Comment>> {
        let id = SectionId::new(section)?;
        Ok(self
            .read_log_state::<SectionComments>(&layout::comments_ref(&id), COMMENTS_FILE)?
            .map(|(_, s)| s.comments)
            .unwrap_or_default())
    }

    /// The event log of a section's comments, oldest first.
    pub fn section_history(&self, section: &str) -> Result<Vec<Event>> {
        let id = SectionId::new(section)?;
        self.read_events(&layout::comments_ref(&id))
    }
}
