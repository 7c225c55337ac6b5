//! A reader for libconfig-style files, the format of rAthena's `conf/*.conf` (e.g. `conf/channels.conf`).
//!
//! Supported: settings `name: value` or `name = value`, ended by `;`, `,` or nothing; groups `{ … }`, lists
//! `( … )` and arrays `[ … ]` (trailing commas allowed); booleans (`true`/`false`, any case), integers
//! (decimal or `0x` hex, optional `L` suffix), floats, strings in double quotes with `\"`, `\\`, `\n`, `\t`,
//! `\r`, `\f` and `\xNN` escapes (adjacent strings are joined); comments `//`, `#` and `/* … */`.
//! Not supported: `@include` (refused with a clear error). Every error says on which line it is.

use std::fmt;

/// The deepest nesting of groups, lists and arrays accepted.
pub const MAX_DEPTH: usize = 64;

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// `[ … ]`: scalars.
    Array(Vec<Value>),
    /// `( … )`: any values.
    List(Vec<Value>),
    /// `{ … }`: named settings.
    Group(Vec<Setting>),
}

impl Value {
    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Bool(_) => "a boolean",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a float",
            Self::Str(_) => "a string",
            Self::Array(_) => "an array",
            Self::List(_) => "a list",
            Self::Group(_) => "a group",
        }
    }
}

/// A named setting, with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Value,
    /// Its line (1-based).
    pub line: usize,
}

/// A syntax error, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct SyntaxError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    Number(String),
    Punct(char),
    Include,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(n) => write!(f, "{n:?}"),
            Self::Str(_) => f.write_str("a string"),
            Self::Number(n) => write!(f, "the number {n}"),
            Self::Punct(c) => write!(f, "'{c}'"),
            Self::Include => f.write_str("@include"),
        }
    }
}

fn error(line: usize, problem: impl Into<String>) -> SyntaxError {
    SyntaxError { line, problem: problem.into() }
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => while chars.next_if(|&c| c != '\n').is_some() {},
            '/' if chars.peek() == Some(&'/') => while chars.next_if(|&c| c != '\n').is_some() {},
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let start = line;
                let mut last = ' ';
                loop {
                    match chars.next() {
                        None => return Err(error(start, "a /* comment is never closed")),
                        Some('/') if last == '*' => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            last = c;
                        }
                    }
                }
            }
            '"' => {
                let start = line;
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(error(start, "a string is never closed (missing '\"')")),
                        Some('"') => break,
                        Some('\n') => return Err(error(start, "a string runs past the end of its line")),
                        Some('\\') => match chars.next() {
                            Some('"') => s.push('"'),
                            Some('\\') => s.push('\\'),
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some('f') => s.push('\u{c}'),
                            Some('x') => {
                                let hex: String = [chars.next(), chars.next()].into_iter().flatten().collect();
                                let byte = u8::from_str_radix(&hex, 16)
                                    .map_err(|_| error(line, "\\x must be followed by two hex digits"))?;
                                s.push(char::from(byte));
                            }
                            _ => return Err(error(line, "unknown escape in a string")),
                        },
                        Some(c) => s.push(c),
                    }
                }
                // Adjacent strings are one string.
                match tokens.last_mut() {
                    Some((Token::Str(prev), _)) => prev.push_str(&s),
                    _ => tokens.push((Token::Str(s), start)),
                }
            }
            '@' => {
                let mut word = String::new();
                while let Some(c) = chars.next_if(char::is_ascii_alphabetic) {
                    word.push(c);
                }
                if word != "include" {
                    return Err(error(line, format!("unexpected '@{word}'")));
                }
                tokens.push((Token::Include, line));
            }
            c if c.is_ascii_alphabetic() || c == '*' => {
                let mut name = String::from(c);
                while let Some(c) = chars.next_if(|&c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*')) {
                    name.push(c);
                }
                tokens.push((Token::Name(name), line));
            }
            c if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => {
                let mut number = String::from(c);
                while let Some(c) = chars.next_if(|&c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')) {
                    number.push(c);
                }
                tokens.push((Token::Number(number), line));
            }
            ':' | '=' | ';' | ',' | '{' | '}' | '(' | ')' | '[' | ']' => tokens.push((Token::Punct(c), line)),
            c => return Err(error(line, format!("unexpected character {c:?}"))),
        }
    }
    Ok(tokens)
}

fn number(text: &str, line: usize) -> Result<Value, SyntaxError> {
    let bad = || error(line, format!("{text:?} is not a number"));
    let trimmed = text.strip_suffix("LL").or_else(|| text.strip_suffix('L')).unwrap_or(text);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        let n = i64::from_str_radix(hex, 16).map_err(|_| bad())?;
        return Ok(Value::Int(if negative { -n } else { n }));
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() {
        return trimmed.parse().map(Value::Int).map_err(|_| error(line, format!("{text} is too large")));
    }
    let float_chars = text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    match text.parse::<f64>() {
        Ok(f) if float_chars && f.is_finite() => Ok(Value::Float(f)),
        _ => Err(bad()),
    }
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    last_line: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.last_line, |(_, l)| *l)
    }

    fn next(&mut self) -> Option<(Token, usize)> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Settings up to `close` (the `}` of a group opened on line `opened`), or to the end of the file.
    fn settings(&mut self, close: Option<(char, usize)>, depth: usize) -> Result<Vec<Setting>, SyntaxError> {
        let mut settings: Vec<Setting> = Vec::new();
        loop {
            let line = self.line();
            match self.next() {
                None if close.is_none() => return Ok(settings),
                None => {
                    let opened = close.map_or(self.last_line, |(_, line)| line);
                    return Err(error(opened, "this '{' is never closed (missing '}')"));
                }
                Some((Token::Punct(c), _)) if close.is_some_and(|(close, _)| close == c) => return Ok(settings),
                Some((Token::Include, line)) => {
                    return Err(error(line, "@include is not supported: put the settings in this file"));
                }
                Some((Token::Name(name), line)) => {
                    if !self.eat(':') && !self.eat('=') {
                        return Err(error(self.line(), format!("expected ':' or '=' after {name:?}")));
                    }
                    let value = self.value(depth)?;
                    if let Some(first) = settings.iter().find(|s| s.name == name) {
                        return Err(error(line, format!("{name:?} is set twice (first on line {})", first.line)));
                    }
                    settings.push(Setting { name, value, line });
                    let _ = self.eat(';') || self.eat(',');
                }
                Some((token, _)) => return Err(error(line, format!("expected a setting name, found {token}"))),
            }
        }
    }

    fn values(&mut self, close: char, depth: usize, scalars_only: bool) -> Result<Vec<Value>, SyntaxError> {
        let mut values = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(values);
            }
            let line = self.line();
            let value = self.value(depth)?;
            if scalars_only && matches!(value, Value::Array(_) | Value::List(_) | Value::Group(_)) {
                return Err(error(line, "an array [ ] holds only plain values; use a list ( ) for more"));
            }
            values.push(value);
            if !self.eat(',') {
                if self.eat(close) {
                    return Ok(values);
                }
                return Err(error(self.line(), format!("expected ',' or '{close}'")));
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(error(self.line(), format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let line = self.line();
        match self.next() {
            None => Err(error(self.last_line, "expected a value, found the end of the file")),
            Some((Token::Str(s), _)) => Ok(Value::Str(s)),
            Some((Token::Number(n), line)) => number(&n, line),
            Some((Token::Name(n), _)) if n.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Some((Token::Name(n), _)) if n.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            Some((Token::Punct('{'), line)) => self.settings(Some(('}', line)), depth + 1).map(Value::Group),
            Some((Token::Punct('('), _)) => self.values(')', depth + 1, false).map(Value::List),
            Some((Token::Punct('['), _)) => self.values(']', depth + 1, true).map(Value::Array),
            Some((Token::Name(n), _)) => {
                Err(error(line, format!("expected a value, found {n:?} (strings need double quotes)")))
            }
            Some((token, _)) => Err(error(line, format!("expected a value, found {token}"))),
        }
    }
}

/// Parses a whole file into its top-level settings.
pub fn parse(text: &str) -> Result<Vec<Setting>, SyntaxError> {
    let tokens = tokenize(text)?;
    let last_line = text.lines().count().max(1);
    Parser { tokens, pos: 0, last_line }.settings(None, 0)
}

/// Every setting called `name` in `settings` and, recursively, in their groups (not inside lists or arrays).
pub fn find_all<'a>(settings: &'a [Setting], name: &str) -> Vec<&'a Setting> {
    let mut found = Vec::new();
    for setting in settings {
        if setting.name == name {
            found.push(setting);
        }
        if let Value::Group(inner) = &setting.value {
            found.extend(find_all(inner, name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_rathena_style_file() {
        let text = r##"
//====================================================
//= Channel System Configuration
//====================================================
channel_config: {
	private_channel: {
		allow: true
		name: "Channel"; /* inline */ color: "Default"
		delay: 10000,
		max_member: 0x10
	}
	colors: {
		Default: "0xFFFFFF"
	}
	default_channels: (
		{ name: "#main" "_extra"; alias: "[Main]" },
		{ name: "#trade"; alias: "[Trade]" },
	)
	ratios = [1.5, -2, 3L]
}
# Ticket Support System (PM @Support or @request command)
ragnasync_ticket_support_system_enabled: TRUE
"##;
        let settings = parse(text).unwrap();
        assert_eq!(settings.len(), 2);
        assert_eq!(
            settings[1],
            Setting { name: "ragnasync_ticket_support_system_enabled".into(), value: Value::Bool(true), line: 22 }
        );
        let Value::Group(config) = &settings[0].value else { panic!("a group") };
        let Value::List(channels) = &config[2].value else { panic!("a list") };
        assert_eq!(channels.len(), 2);
        let Value::Group(main) = &channels[0] else { panic!("a group") };
        assert_eq!(main[0].value, Value::Str("#main_extra".into()));
        assert_eq!(config[3].value, Value::Array(vec![Value::Float(1.5), Value::Int(-2), Value::Int(3)]));
        assert_eq!(find_all(&settings, "max_member")[0].value, Value::Int(16));
        assert_eq!(find_all(&settings, "max_member")[0].line, 10);
        assert!(find_all(&settings, "alias").is_empty(), "settings inside lists are not found");
    }

    #[test]
    fn errors_name_their_line() {
        let cases = [
            ("a: 1\nb 2\n", 2, "expected ':' or '=' after \"b\""),
            ("a: {\n b: 1\n", 1, "this '{' is never closed"),
            ("a: 1\na: 2\n", 2, "set twice (first on line 1)"),
            ("\n\nhost: localhost\n", 3, "strings need double quotes"),
            ("a: \"open\n", 1, "runs past the end of its line"),
            ("/* never\nclosed\n", 1, "never closed"),
            ("@include \"other.conf\"\n", 1, "@include is not supported"),
            ("a: 12abc\n", 1, "is not a number"),
            ("a: [ {b: 1} ]\n", 1, "only plain values"),
            ("a: (1 2)\n", 1, "expected ',' or ')'"),
            ("a: 99999999999999999999\n", 1, "too large"),
            ("a: \"\\q\"\n", 1, "unknown escape"),
            ("a: $\n", 1, "unexpected character '$'"),
            ("a:\n", 1, "found the end of the file"),
        ];
        for (text, line, problem) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.problem.contains(problem), "{text:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = format!("a: {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&text).unwrap_err().problem.contains("nested deeper"));
    }

    #[test]
    fn numbers() {
        for (text, value) in
            [("0x1F", Value::Int(31)), ("-0x10", Value::Int(-16)), ("+7", Value::Int(7)), ("1e3", Value::Float(1000.0))]
        {
            assert_eq!(number(text, 1).unwrap(), value, "{text}");
        }
        for text in ["-", "0x", "1.2.3", "inf", "NaN", "."] {
            assert!(number(text, 1).is_err(), "{text}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(text in "[ -~\\n\\t]{0,400}") {
                let _ = super::super::parse(&text);
            }

            #[test]
            fn never_panics_on_config_soup(text in "([a-z_]{1,5}|[:=;,{}()\\[\\]\"\\\\/*#@ \\n0-9x.-]){0,120}") {
                let _ = super::super::parse(&text);
            }
        }
    }
}
