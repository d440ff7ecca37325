//! `plan` run against a SQLite store in a temporary folder: the folder, its
//! master key, and the command with nothing taken from the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The master key of the tests' stores (never a real one).
pub const KEY_HEX: &str = "4d6173746572206b6579206f6620746865207465737473206f6e6c7921212121";

/// A temporary folder, removed with what it holds when dropped.
pub struct Dir(pub PathBuf);

impl Dir {
    /// An empty folder `rotaplan-{what}-{name}-{pid}`.
    pub fn new(what: &str, name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("rotaplan-{what}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// [`Dir::new`] with `master.key` (0600) holding [`KEY_HEX`].
    pub fn with_key(what: &str, name: &str) -> Dir {
        let d = Dir::new(what, name);
        std::fs::write(d.0.join("master.key"), KEY_HEX).unwrap();
        chmod(&d.0.join("master.key"), 0o600);
        d
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `plan ARGS` in `dir`, its key file `dir/master.key`; no store or key
/// from the environment.
pub fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plan"));
    c.args(args)
        .current_dir(dir)
        .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
        .env_remove("ROTAPLAN_MASTER_KEY")
        .env_remove("ROTAPLAN_STORE");
    c
}

/// [`cmd`], run to completion.
pub fn plan(dir: &Path, args: &[&str]) -> Output {
    cmd(dir, args).output().unwrap()
}

/// [`plan`], which must succeed.
#[track_caller]
pub fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = plan(dir, args);
    assert!(
        out.status.success(),
        "plan {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// [`ok`]'s standard output.
#[track_caller]
pub fn ok_text(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(ok(dir, args).stdout).unwrap()
}

#[track_caller]
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}
