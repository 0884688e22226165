//! The writes of a simulated web client: propose, comment, revise, review, reject, merge.

use super::web::Ctx;
use super::*;

impl Ctx {
    pub(super) async fn propose(&mut self) {
        if !self.sh.room_to_propose() {
            return self.comment_proposal().await;
        }
        let s = self.section();
        // The text at a known commit of main, proposed against that commit: without a
        // base, the text would replace whatever main holds when the proposal is written,
        // silently undoing anything merged in between.
        let Ok(r) = self
            .call(
                "read contents api",
                hyper::Method::GET,
                "/api/v1/sections",
                None,
            )
            .await
        else {
            return;
        };
        let Some(base) = r.json()["commit"].as_str().map(str::to_string) else {
            self.sh.finding("GET /api/v1/sections: no commit".into());
            return;
        };
        let Ok(r) = self
            .call(
                "read section api",
                hyper::Method::GET,
                &format!("/api/v1/sections/{s}?at={base}"),
                None,
            )
            .await
        else {
            return;
        };
        let Some(base_text) = r.json()["text"].as_str().map(str::to_string) else {
            return;
        };
        let line = paragraph_line(&base_text, &mut self.rng);
        let tag = format!("c{}-{}", self.me, self.sh.tag());
        let title = format!("Stress change {tag} to {s}");
        let body = json!({
            "title": title,
            "rationale": format!("Soak test change {tag}."),
            "changes": [{"section": s, "text": marked(&base_text, line, &tag)}],
            "base": base,
        });
        let Ok(r) = self
            .call(
                "propose",
                hyper::Method::POST,
                "/api/v1/proposals",
                Some(body),
            )
            .await
        else {
            return;
        };
        let Some(n) = r.json()["number"].as_u64() else {
            self.sh
                .finding(format!("propose {tag}: 201 without a number"));
            return;
        };
        self.sh.ack(Ack::Proposal {
            n,
            title: title.clone(),
        });
        lock(&self.sh.open).push(OpenProposal {
            n,
            owner: Some(self.me),
            section: s,
            base_text,
            line,
        });
        // Read your write: the next request sees it.
        match self
            .call(
                "read proposal api",
                hyper::Method::GET,
                &format!("/api/v1/proposals/{n}"),
                None,
            )
            .await
        {
            Ok(r) if r.json()["proposal"]["title"].as_str() == Some(title.as_str()) => {}
            Ok(r) => self.sh.finding(format!(
                "proposal #{n} ({title}) was acknowledged but a read right after shows {:?}",
                r.json()["proposal"]["title"]
            )),
            Err(Some(r)) => self.sh.finding(format!(
                "proposal #{n} ({title}) was acknowledged but a read right after gave {} {}",
                r.status,
                r.message()
            )),
            Err(None) => {}
        }
    }

    pub(super) async fn comment_proposal(&mut self) {
        let Some(n) = self.sh.pick_known(&mut self.rng) else {
            return self.comment_section().await;
        };
        let body = format!("Comment {} from client {}.", self.sh.tag(), self.me);
        if let Ok(r) = self
            .call(
                "comment on proposal",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/comments"),
                Some(json!({ "body": body })),
            )
            .await
        {
            match r.json()["id"].as_u64() {
                Some(id) => self.sh.ack(Ack::ProposalComment { n, id, body }),
                None => self
                    .sh
                    .finding(format!("comment on #{n}: 201 without an id")),
            }
        }
    }

    pub(super) async fn comment_section(&mut self) {
        let s = self.section();
        let body = format!("Section comment {} from client {}.", self.sh.tag(), self.me);
        if let Ok(r) = self
            .call(
                "comment on section",
                hyper::Method::POST,
                &format!("/api/v1/sections/{s}/comments"),
                Some(json!({ "body": body })),
            )
            .await
        {
            match r.json()["id"].as_u64() {
                Some(id) => self.sh.ack(Ack::SectionComment {
                    section: s,
                    id,
                    body,
                }),
                None => self
                    .sh
                    .finding(format!("comment on {s}: 201 without an id")),
            }
        }
    }

    pub(super) async fn revise(&mut self) {
        let Some(p) = self.sh.pick_open(&mut self.rng, Some(Some(self.me))) else {
            return self.propose().await;
        };
        let tag = format!("c{}-{}", self.me, self.sh.tag());
        let body = json!({
            "changes": [{"section": p.section, "text": marked(&p.base_text, p.line, &tag)}],
            "note": format!("Revision {tag}"),
        });
        match self
            .call(
                "revise",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{}/revisions", p.n),
                Some(body),
            )
            .await
        {
            Ok(r) => {
                let v = r.json();
                let latest = v["revisions"]
                    .as_array()
                    .and_then(|revs| revs.last())
                    .cloned()
                    .unwrap_or(Value::Null);
                match (latest["number"].as_u64(), latest["commit"].as_str()) {
                    (Some(rn), Some(c)) => self.sh.ack(Ack::Revision {
                        n: p.n,
                        r: rn,
                        commit: c.to_string(),
                    }),
                    _ => self
                        .sh
                        .finding(format!("revise #{}: 200 without a revision", p.n)),
                }
            }
            Err(Some(r)) if r.status == 409 && classify(&r).0 == "409 not open" => {
                self.sh.close(p.n);
            }
            Err(_) => {}
        }
    }

    pub(super) async fn review(&mut self, n: u64, verdict: &'static str) -> bool {
        let comment = format!("Review {} ({verdict})", self.sh.tag());
        match self
            .call(
                if verdict == "approve" {
                    "approve"
                } else {
                    "request changes"
                },
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/reviews"),
                Some(json!({ "verdict": verdict, "comment": comment })),
            )
            .await
        {
            Ok(_) => {
                self.sh.ack(Ack::Review {
                    n,
                    verdict,
                    comment,
                });
                true
            }
            Err(Some(r)) if classify(&r).0 == "409 not open" => {
                self.sh.close(n);
                false
            }
            Err(_) => false,
        }
    }

    pub(super) async fn reject(&mut self, n: u64, why: &str) {
        let reason = format!("{why} ({})", self.sh.tag());
        match self
            .call(
                "reject",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{n}/reject"),
                Some(json!({ "reason": reason })),
            )
            .await
        {
            Ok(_) => {
                self.sh.ack(Ack::Reject { n, reason });
                self.sh.close(n);
            }
            Err(Some(r)) if classify(&r).0 == "409 not open" => self.sh.close(n),
            Err(_) => {}
        }
    }

    pub(super) async fn approve_and_merge(&mut self) {
        let Some(p) = self.sh.pick_open(&mut self.rng, None) else {
            return self.read().await;
        };
        if !self.review(p.n, "approve").await {
            return;
        }
        match self
            .call(
                "merge",
                hyper::Method::POST,
                &format!("/api/v1/proposals/{}/merge", p.n),
                None,
            )
            .await
        {
            Ok(r) => {
                let v = r.json();
                match v["merged"]["commit"].as_str() {
                    Some(c) => self.sh.ack(Ack::Merge {
                        n: p.n,
                        commit: c.to_string(),
                    }),
                    None => self
                        .sh
                        .finding(format!("merge #{}: 200 without a merge commit", p.n)),
                }
                self.sh.close(p.n);
            }
            Err(Some(r)) => match classify(&r).0.as_str() {
                "409 merge conflict" => self.reject(p.n, "Conflicts with main").await,
                "409 not open" => self.sh.close(p.n),
                _ => {}
            },
            Err(None) => {}
        }
    }
}
