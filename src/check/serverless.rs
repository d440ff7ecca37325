//! Serverless Framework services: `functions.<name>.events[].schedule`, a
//! string or `{rate: ..., method?, timezone?}` where `rate` is a string or a
//! list; and raw CloudFormation under `resources.Resources`.

use crate::expr::Profile;

use super::resolve::{Cfn, Sls};
use super::rules::{lookup, Prop, Resource, Val};
use super::tree::{Kind, Node};

pub(crate) fn read(doc: &Node, found: &mut Vec<Resource>) {
    // A service for another cloud (OpenWhisk, Azure, ...) has cron of its
    // own and nothing that AWS deploys; a provider named by a variable may
    // be AWS, so it is read.
    let provider = doc.get("provider");
    let name = provider.and_then(|p| p.str().or_else(|| p.get("name").and_then(Node::str)));
    if name.is_some_and(|n| !n.starts_with("${") && n != "aws") {
        return;
    }
    let ctx = &Sls {
        doc,
        cfn: Cfn {
            doc: doc.get("resources").unwrap_or(doc),
        },
    };
    if let Some(functions) = doc.get("functions") {
        for (fname, f) in functions.entries() {
            let name = format!("functions.{fname}");
            let Some(events) = f.get("events") else { continue };
            for (i, ev) in events.items().iter().enumerate() {
                let Some(schedule) = ev.get("schedule") else { continue };
                let base = format!("events[{i}].schedule");
                let timed = |profile, schedule, timezone| Resource::Timed {
                    name: name.clone(),
                    profile,
                    schedule,
                    timezone,
                    mode: None,
                    window: None,
                };
                match &schedule.kind {
                    Kind::Map(_) => {
                        // `method: scheduler` deploys an EventBridge Scheduler schedule.
                        let scheduler = schedule.get("method").and_then(Node::str) == Some("scheduler");
                        let profile = if scheduler {
                            Profile::Scheduler
                        } else {
                            Profile::EventBridge
                        };
                        let timezone = lookup(Some(schedule), &["timezone"], &base, ctx);
                        match schedule.get("rate").map(|r| &r.kind) {
                            Some(Kind::Seq(rates)) => {
                                for (j, r) in rates.iter().enumerate() {
                                    let p = Prop::new(format!("{base}.rate[{j}]"), Val::from_node(Some(r), ctx));
                                    found.push(timed(profile, p, if j == 0 { timezone.clone() } else { None }));
                                }
                            }
                            _ => found.push(timed(profile, lookup(Some(schedule), &["rate"], &base, ctx), timezone)),
                        }
                    }
                    _ => found.push(timed(
                        Profile::EventBridge,
                        Prop::new(base, Val::from_node(Some(schedule), ctx)),
                        None,
                    )),
                }
            }
        }
    }
    if let Some(resources) = doc.get("resources") {
        super::cloudformation::read(resources, found, "resources.Resources.", ctx);
    }
}
