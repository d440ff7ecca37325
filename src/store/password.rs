//! Password generation with the parameters of GetRandomPassword, from the OS
//! random source.

use zeroize::Zeroizing;

use super::StoreError;
use crate::store::SecretValue;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
/// The punctuation GetRandomPassword draws from.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The parameters of AWS GetRandomPassword.
///
/// Defaults: 32 characters from upper, lower, digits and punctuation, no
/// space, at least one of each included type.
///
/// # Examples
///
/// ```
/// use rotaplan::store::PasswordPolicy;
/// let p = PasswordPolicy::default()
///     .length(20)
///     .exclude_punctuation(true)
///     .exclude_characters("0O1lI");
/// let pw = p.generate()?;
/// let s = pw.expose_str().unwrap();
/// assert_eq!(s.chars().count(), 20);
/// assert!(s.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    length: usize,
    exclude_characters: String,
    exclude_numbers: bool,
    exclude_punctuation: bool,
    exclude_uppercase: bool,
    exclude_lowercase: bool,
    include_space: bool,
    require_each_included_type: bool,
}

impl Default for PasswordPolicy {
    fn default() -> PasswordPolicy {
        PasswordPolicy {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

impl PasswordPolicy {
    /// The length in characters (1–4096, default 32).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// assert_eq!(PasswordPolicy::default().length(8).generate()?.expose_bytes().len(), 8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn length(mut self, length: usize) -> PasswordPolicy {
        self.length = length;
        self
    }

    /// Characters never to use.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().exclude_characters("abc").generate()?;
    /// assert!(!pw.expose_str().unwrap().contains(['a', 'b', 'c']));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exclude_characters(mut self, chars: &str) -> PasswordPolicy {
        self.exclude_characters = chars.to_owned();
        self
    }

    /// No digits.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().exclude_numbers(true).generate()?;
    /// assert!(!pw.expose_str().unwrap().contains(|c: char| c.is_ascii_digit()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exclude_numbers(mut self, yes: bool) -> PasswordPolicy {
        self.exclude_numbers = yes;
        self
    }

    /// No punctuation.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().exclude_punctuation(true).generate()?;
    /// assert!(pw.expose_str().unwrap().chars().all(|c| c.is_ascii_alphanumeric()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exclude_punctuation(mut self, yes: bool) -> PasswordPolicy {
        self.exclude_punctuation = yes;
        self
    }

    /// No upper-case letters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().exclude_uppercase(true).generate()?;
    /// assert!(!pw.expose_str().unwrap().contains(|c: char| c.is_ascii_uppercase()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exclude_uppercase(mut self, yes: bool) -> PasswordPolicy {
        self.exclude_uppercase = yes;
        self
    }

    /// No lower-case letters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().exclude_lowercase(true).generate()?;
    /// assert!(!pw.expose_str().unwrap().contains(|c: char| c.is_ascii_lowercase()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exclude_lowercase(mut self, yes: bool) -> PasswordPolicy {
        self.exclude_lowercase = yes;
        self
    }

    /// Allow the space character (off by default).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let p = PasswordPolicy::default().include_space(true).require_each_included_type(true);
    /// assert!(p.length(64).generate()?.expose_str().unwrap().contains(' '));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn include_space(mut self, yes: bool) -> PasswordPolicy {
        self.include_space = yes;
        self
    }

    /// At least one character of each included type (on by default).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// let pw = PasswordPolicy::default().length(4).generate()?;
    /// let s = pw.expose_str().unwrap();
    /// assert!(s.contains(|c: char| c.is_ascii_digit()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_each_included_type(mut self, yes: bool) -> PasswordPolicy {
        self.require_each_included_type = yes;
        self
    }

    /// The character classes in use, each filtered by `exclude_characters`.
    fn classes(&self) -> Vec<Vec<char>> {
        let mut classes = Vec::new();
        let mut add = |set: &str, on: bool| {
            if on {
                classes.push(
                    set.chars()
                        .filter(|c| !self.exclude_characters.contains(*c))
                        .collect::<Vec<char>>(),
                );
            }
        };
        add(LOWER, !self.exclude_lowercase);
        add(UPPER, !self.exclude_uppercase);
        add(DIGITS, !self.exclude_numbers);
        add(PUNCTUATION, !self.exclude_punctuation);
        add(" ", self.include_space);
        classes
    }

    /// Generates a password.
    ///
    /// # Errors
    ///
    /// - length 0 or above 4096;
    /// - every character excluded;
    /// - "require each type" with a type whose characters are all excluded,
    ///   or fewer characters than types;
    /// - the OS random source failing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::PasswordPolicy;
    /// assert_eq!(PasswordPolicy::default().generate()?.expose_bytes().len(), 32);
    /// assert!(PasswordPolicy::default().length(0).generate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate(&self) -> Result<SecretValue, StoreError> {
        if !(1..=4096).contains(&self.length) {
            return Err(StoreError::password(format!(
                "length must be 1 to 4096 (found {})",
                self.length
            )));
        }
        let classes = self.classes();
        let all: Vec<char> = classes.iter().flatten().copied().collect();
        if all.is_empty() {
            return Err(StoreError::password("every character is excluded"));
        }
        let mut out: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(self.length));
        if self.require_each_included_type {
            if classes.iter().any(Vec::is_empty) {
                return Err(StoreError::password(
                    "an included character type has all its characters excluded",
                ));
            }
            if self.length < classes.len() {
                return Err(StoreError::password(format!(
                    "length {} is shorter than the {} required character types",
                    self.length,
                    classes.len()
                )));
            }
            for class in &classes {
                out.push(class[uniform(class.len())?]);
            }
        }
        while out.len() < self.length {
            out.push(all[uniform(all.len())?]);
        }
        // Fisher–Yates, so the required characters are not at the front.
        for i in (1..out.len()).rev() {
            let j = uniform(i + 1)?;
            out.swap(i, j);
        }
        Ok(SecretValue::text(out.iter().collect()))
    }
}

/// A uniform index below `n` (n ≥ 1) from the OS CSPRNG, by rejection.
fn uniform(n: usize) -> Result<usize, StoreError> {
    debug_assert!(n >= 1);
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let mut buf = [0u8; 8];
        getrandom::fill(&mut buf).map_err(|e| StoreError::password(format!("OS random source failed: {e}")))?;
        let x = u64::from_le_bytes(buf);
        if x < zone {
            return Ok((x % n) as usize);
        }
    }
}

/// A policy's parameters, for stores that generate passwords remotely
/// (Secrets Manager's GetRandomPassword).
#[cfg(feature = "aws")]
pub(crate) struct PolicyParts<'a> {
    pub(crate) length: usize,
    pub(crate) exclude_characters: &'a str,
    pub(crate) exclude_numbers: bool,
    pub(crate) exclude_punctuation: bool,
    pub(crate) exclude_uppercase: bool,
    pub(crate) exclude_lowercase: bool,
    pub(crate) include_space: bool,
    pub(crate) require_each_included_type: bool,
}

#[cfg(feature = "aws")]
impl PasswordPolicy {
    pub(crate) fn parts(&self) -> PolicyParts<'_> {
        PolicyParts {
            length: self.length,
            exclude_characters: &self.exclude_characters,
            exclude_numbers: self.exclude_numbers,
            exclude_punctuation: self.exclude_punctuation,
            exclude_uppercase: self.exclude_uppercase,
            exclude_lowercase: self.exclude_lowercase,
            include_space: self.include_space,
            require_each_included_type: self.require_each_included_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_covers_range() {
        let mut seen = [false; 7];
        for _ in 0..1000 {
            seen[uniform(7).unwrap()] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(uniform(1).unwrap(), 0);
    }

    #[test]
    fn punctuation_is_the_aws_set() {
        assert_eq!(PUNCTUATION.len(), 32);
        assert!(PUNCTUATION.chars().all(|c| c.is_ascii_punctuation()));
    }
}
