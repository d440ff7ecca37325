//! A closed standard output (`plan … | head`) is the reader's choice, not an
//! error: every command ends quietly with status 0 on it.

/// `plan … | head` closes our standard output early; that is the reader's
/// choice, not an error. Every command writes with `println!`, which panics
/// on a closed pipe, so the panic hook turns exactly that panic into a quiet
/// exit (as ripgrep does, status 0). SIGPIPE stays ignored, as Rust sets
/// it: a target program that exits without reading its input must not kill
/// us.
pub fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to std") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether `err` comes from writing to a closed pipe.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
