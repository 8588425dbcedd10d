//! PBX pseudo-files read with the ReadFile command (specification §6.6.1).
//!
//! The contents arrive as octets. `nasystem/user_list` is ISO-8859-1 text, one user per
//! CRLF-terminated line, comma-separated fields. Public scripts that read it take the
//! columns as name, extension and full name; further columns vary by release, so every
//! field is kept.

/// The pseudo-file that lists the PBX's users.
pub const USER_LIST: &str = "nasystem/user_list";

/// Decodes ISO-8859-1 octets: each octet is the code point of the same value.
pub fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Encodes text as ISO-8859-1 for the simulator; characters outside it become `?`.
pub fn string_to_latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

/// One line of `nasystem/user_list`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserEntry {
    /// Every comma-separated field of the line, in order.
    pub fields: Vec<String>,
}

impl UserEntry {
    /// Field `index` (0-based), or `""` when the line is shorter.
    pub fn field(&self, index: usize) -> &str {
        self.fields.get(index).map_or("", String::as_str)
    }

    /// The user's name (first column).
    pub fn name(&self) -> &str {
        self.field(0)
    }

    /// The user's extension number (second column).
    pub fn extension(&self) -> &str {
        self.field(1)
    }

    /// The user's full name (third column), often empty.
    pub fn full_name(&self) -> &str {
        self.field(2)
    }
}

/// Parses `nasystem/user_list` contents. Accepts CRLF or bare LF line ends and skips
/// blank lines; there is no quoting in this format.
pub fn parse_user_list(contents: &[u8]) -> Vec<UserEntry> {
    contents
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| UserEntry { fields: line.split(|&b| b == b',').map(latin1_to_string).collect() })
        .collect()
}

/// Formats entries as `nasystem/user_list` contents (the simulator's side).
pub fn write_user_list(entries: &[UserEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend(string_to_latin1(&entry.fields.join(",")));
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_lines_and_fields() {
        let list = parse_user_list(b"Extn4000,User 0\r\nRen\xe9,4001,Ren\xe9 M\xfcller\r\n\r\nlast,4002");
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].name(), "Extn4000");
        assert_eq!(list[1].full_name(), "René Müller");
        assert_eq!(list[2].extension(), "4002");
        assert_eq!(list[2].full_name(), "");
        assert_eq!(parse_user_list(&write_user_list(&list)), list);
    }
}
