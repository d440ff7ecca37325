//! Serde: a schedule travels as its expression string.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use super::Schedule;

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    /// Parses with the default profile, [`Profile::SecretsManager`](super::Profile).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Schedule, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Schedule::parse(&s).map_err(de::Error::custom)
    }
}
