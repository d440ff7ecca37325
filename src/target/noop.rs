//! [`NoopTarget`]: nothing to tell.

use super::TargetError;
use super::{StepContext, Target};
use crate::store::SecretValue;

/// A target with nothing to tell: an API key whose users read the store.
/// Both steps succeed at once.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::Rotator;
/// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
/// use rotaplan::target::NoopTarget;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("k1"))), None).await?;
/// let rotator = Rotator::new(&store, NoopTarget);
/// rotator.rotate(&id, &Token::generate()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopTarget;

impl Target for NoopTarget {
    async fn set_secret(
        &self,
        _ctx: &StepContext<'_>,
        _pending: &SecretValue,
        _current: &SecretValue,
    ) -> Result<(), TargetError> {
        Ok(())
    }

    async fn test_secret(&self, _ctx: &StepContext<'_>, _pending: &SecretValue) -> Result<(), TargetError> {
        Ok(())
    }
}
