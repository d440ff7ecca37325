//! Password generation with GetRandomPassword's parameters.
#![cfg(feature = "rotate")]

use std::collections::{HashMap, HashSet};

use rotaplan::store::PasswordPolicy;

const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

fn gen(p: &PasswordPolicy) -> String {
    p.generate().unwrap().expose_str().unwrap().to_owned()
}

#[test]
fn default_is_32_chars_with_every_type() {
    for _ in 0..200 {
        let s = gen(&PasswordPolicy::default());
        assert_eq!(s.chars().count(), 32);
        assert!(s.chars().any(|c| c.is_ascii_lowercase()), "{s}");
        assert!(s.chars().any(|c| c.is_ascii_uppercase()), "{s}");
        assert!(s.chars().any(|c| c.is_ascii_digit()), "{s}");
        assert!(s.chars().any(|c| PUNCT.contains(c)), "{s}");
        assert!(!s.contains(' '));
        assert!(s.chars().all(|c| c.is_ascii_graphic()));
    }
}

#[test]
fn exclusions_hold() {
    type Check = fn(char) -> bool;
    let cases: Vec<(PasswordPolicy, Check)> = vec![
        (PasswordPolicy::default().exclude_numbers(true), |c| !c.is_ascii_digit()),
        (PasswordPolicy::default().exclude_punctuation(true), |c| {
            c.is_ascii_alphanumeric()
        }),
        (PasswordPolicy::default().exclude_uppercase(true), |c| {
            !c.is_ascii_uppercase()
        }),
        (PasswordPolicy::default().exclude_lowercase(true), |c| {
            !c.is_ascii_lowercase()
        }),
        (PasswordPolicy::default().exclude_characters("aeiouAEIOU01!\"'`"), |c| {
            !"aeiouAEIOU01!\"'`".contains(c)
        }),
    ];
    for (policy, ok) in cases {
        for _ in 0..100 {
            let s = gen(&policy);
            assert!(s.chars().all(ok), "{policy:?}: {s}");
        }
    }
}

#[test]
fn require_each_type_with_minimum_length_uses_each_once() {
    let p = PasswordPolicy::default().length(5).include_space(true);
    for _ in 0..200 {
        let s = gen(&p);
        let kinds = [
            s.chars().filter(|c| c.is_ascii_lowercase()).count(),
            s.chars().filter(|c| c.is_ascii_uppercase()).count(),
            s.chars().filter(|c| c.is_ascii_digit()).count(),
            s.chars().filter(|c| PUNCT.contains(*c)).count(),
            s.chars().filter(|c| *c == ' ').count(),
        ];
        assert_eq!(kinds, [1; 5], "{s:?}");
    }
    // Shuffled: the space is not always in the same place.
    let places: HashSet<usize> = (0..200).map(|_| gen(&p).find(' ').unwrap()).collect();
    assert!(places.len() >= 3, "{places:?}");
}

#[test]
fn impossible_policies_are_errors() {
    let all_off = PasswordPolicy::default()
        .exclude_numbers(true)
        .exclude_punctuation(true)
        .exclude_uppercase(true)
        .exclude_lowercase(true);
    let err = all_off.generate().unwrap_err();
    assert_eq!(err.to_string(), "password generation: every character is excluded");
    assert!(PasswordPolicy::default().length(0).generate().is_err());
    assert!(PasswordPolicy::default().length(4097).generate().is_err());
    assert!(PasswordPolicy::default().length(4096).generate().is_ok());
    let err = PasswordPolicy::default().length(3).generate().unwrap_err();
    assert!(err.to_string().contains("shorter than the 4 required"), "{err}");
    // A type whose characters are all excluded cannot be required...
    let no_digits = PasswordPolicy::default().exclude_characters("0123456789");
    assert!(no_digits.generate().is_err());
    // ...but is fine when not required.
    let s = gen(&no_digits.require_each_included_type(false));
    assert!(!s.contains(|c: char| c.is_ascii_digit()));
}

#[test]
fn draws_are_unique_and_roughly_uniform() {
    let seen: HashSet<String> = (0..1000).map(|_| gen(&PasswordPolicy::default())).collect();
    assert_eq!(seen.len(), 1000);
    // Digits only, no requirement: each digit about 10% of 40 000 draws.
    let p = PasswordPolicy::default()
        .exclude_lowercase(true)
        .exclude_uppercase(true)
        .exclude_punctuation(true)
        .require_each_included_type(false)
        .length(4000);
    let mut counts: HashMap<char, usize> = HashMap::new();
    for _ in 0..10 {
        for c in gen(&p).chars() {
            *counts.entry(c).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), 10);
    for (c, n) in counts {
        assert!((3000..5000).contains(&n), "{c}: {n}");
    }
}
