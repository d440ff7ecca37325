//! `--on-event PROG` of `plan rotate` and `plan run`: each rotation event
//! goes to PROG as one JSON object on its standard input, one run per
//! event, in order, from a task of its own. A hook that fails, hangs (it is
//! killed after [`EVENT_TIMEOUT`]) or prints a lot is a warning on standard
//! error and never changes or holds up a rotation.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rotaplan::rotate::{RotationEvent, Rotator};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// How long one run of the hook may take.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The hook's queue and the task that empties it.
pub struct Events {
    tx: mpsc::UnboundedSender<Option<RotationEvent>>,
    worker: tokio::task::JoinHandle<()>,
}

impl Events {
    /// Starts the task running `prog` with only `PATH` and the `pass_env`
    /// variables in its environment (as a `command:` target).
    pub fn start(prog: PathBuf, pass_env: Vec<String>) -> Events {
        let (tx, mut rx) = mpsc::unbounded_channel::<Option<RotationEvent>>();
        let worker = tokio::spawn(async move {
            while let Some(Some(event)) = rx.recv().await {
                if let Err(why) = deliver(&prog, &pass_env, &event).await {
                    eprintln!(
                        "warning: --on-event {}: {} of {}: {why}",
                        prog.display(),
                        event.kind,
                        event.secret
                    );
                }
            }
        });
        Events { tx, worker }
    }

    /// `rotator`, telling this queue its events.
    pub fn attach<S: rotaplan::store::SecretStore, T: rotaplan::target::Target>(
        &self,
        rotator: Rotator<S, T>,
    ) -> Rotator<S, T> {
        rotator.on_event(self.hook())
    }

    /// What queues an event, for a hook that also does other things.
    pub fn hook(&self) -> impl Fn(RotationEvent) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |e| {
            let _ = tx.send(Some(e));
        }
    }

    /// Waits for the events queued so far to be delivered.
    pub async fn finish(self) {
        let _ = self.tx.send(None);
        let _ = self.worker.await;
    }
}

async fn deliver(prog: &Path, pass_env: &[String], event: &RotationEvent) -> Result<(), String> {
    let mut input = serde_json::to_vec(&event.to_json()).expect("JSON of strings always serializes");
    input.push(b'\n');
    let mut cmd = tokio::process::Command::new(prog);
    cmd.env_clear().env(
        "PATH",
        std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    );
    for name in pass_env {
        if let Some(v) = std::env::var_os(name) {
            cmd.env(name, v);
        }
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start it: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let work = async {
        match stdin.write_all(&input).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(format!("cannot write to it: {e}")),
        }
        drop(stdin);
        child.wait().await.map_err(|e| format!("waiting for it: {e}"))
    };
    let status = match tokio::time::timeout(EVENT_TIMEOUT, work).await {
        Ok(status) => status?,
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(format!("killed after {}s", EVENT_TIMEOUT.as_secs()));
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("it exited with {status}"))
    }
}
