//! Who runs ark, as revisions record it: `user@host`.

/// `user@host` for this process: the login name (`$USER`, `$LOGNAME`, else the user
/// database's name for the uid, else the uid) at this machine's host name.
pub fn user_at_host() -> String {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(user_of_uid);
    format!("{user}@{}", host_name())
}

fn user_of_uid() -> String {
    // SAFETY: getuid cannot fail. getpwuid returns null or a pointer to a static record
    // that stays valid until the next call; its name is copied out at once. ark calls it
    // from one thread.
    unsafe {
        let uid = libc::getuid();
        let record = libc::getpwuid(uid);
        if record.is_null() || (*record).pw_name.is_null() {
            return uid.to_string();
        }
        std::ffi::CStr::from_ptr((*record).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many
    // bytes and the text is read only up to its first NUL.
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]).into_owned();
    if ok && !name.is_empty() {
        name
    } else {
        "localhost".into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_is_named_at_a_host() {
        let who = super::user_at_host();
        let (user, host) = who.split_once('@').expect("user@host");
        assert!(!user.is_empty() && !host.is_empty(), "{who}");
    }
}
