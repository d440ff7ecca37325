//! CloudFormation and SAM templates (YAML or JSON, already parsed into a
//! tree): the resources that carry schedules.

use crate::expr::Profile;

use super::rules::{lookup, Context, Resource};
use super::tree::Node;

/// Reads `doc.Resources`; `prefix` goes before each logical id (Serverless
/// puts CloudFormation under `resources.Resources`); `ctx` resolves
/// intrinsics (and Serverless variables).
pub(crate) fn read(doc: &Node, found: &mut Vec<Resource>, prefix: &str, ctx: &dyn Context) {
    let Some(resources) = doc.get("Resources") else { return };
    for (id, res) in resources.entries() {
        let name = format!("{prefix}{id}");
        let props = res.get("Properties");
        let at = |keys: &[&str]| lookup(props, keys, "Properties", ctx);
        match res.get("Type").and_then(Node::str) {
            Some("AWS::SecretsManager::RotationSchedule") => found.push(Resource::Rotation {
                schedule: at(&["RotationRules", "ScheduleExpression"]),
                days: at(&["RotationRules", "AutomaticallyAfterDays"]),
                duration: at(&["RotationRules", "Duration"]),
                name,
            }),
            Some("AWS::Events::Rule") => found.push(Resource::Timed {
                profile: Profile::EventBridge,
                schedule: at(&["ScheduleExpression"]),
                timezone: None,
                mode: None,
                window: None,
                name,
            }),
            Some("AWS::Scheduler::Schedule") => found.push(Resource::Timed {
                profile: Profile::Scheduler,
                schedule: at(&["ScheduleExpression"]),
                timezone: at(&["ScheduleExpressionTimezone"]),
                mode: at(&["FlexibleTimeWindow", "Mode"]),
                window: at(&["FlexibleTimeWindow", "MaximumWindowInMinutes"]),
                name,
            }),
            Some("AWS::Serverless::Function" | "AWS::Serverless::StateMachine") => {
                let Some(events) = props.and_then(|p| p.get("Events")) else {
                    continue;
                };
                for (event, ev) in events.entries() {
                    let base = format!("Properties.Events.{event}.Properties");
                    let props = ev.get("Properties");
                    let at = |keys: &[&str]| lookup(props, keys, &base, ctx);
                    match ev.get("Type").and_then(Node::str) {
                        Some("Schedule") => found.push(Resource::Timed {
                            name: name.clone(),
                            profile: Profile::EventBridge,
                            schedule: at(&["Schedule"]),
                            timezone: None,
                            mode: None,
                            window: None,
                        }),
                        Some("ScheduleV2") => found.push(Resource::Timed {
                            name: name.clone(),
                            profile: Profile::Scheduler,
                            schedule: at(&["ScheduleExpression"]),
                            timezone: at(&["ScheduleExpressionTimezone"]),
                            mode: at(&["FlexibleTimeWindow", "Mode"]),
                            window: at(&["FlexibleTimeWindow", "MaximumWindowInMinutes"]),
                        }),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
