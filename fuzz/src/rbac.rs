//! The checks of opsguard-rbac's fuzz targets.

use opsguard_rbac::{Policy, PolicyDocument, Resource, Subject};

/// Any bytes read as a TOML policy either fail with a one-line error of
/// visible characters, or give a policy whose document loads back (directly
/// and through JSON) to an equal policy, and whose decisions agree with its
/// explanations.
pub fn rbac_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match Policy::from_toml(text) {
        Ok(policy) => policy,
        Err(err) => {
            let message = err.to_string();
            assert!(
                !message.chars().any(is_hidden),
                "hidden character in the error {message:?}"
            );
            return;
        }
    };
    let document = policy.to_document();
    let again = Policy::from_document(document.clone())
        .unwrap_or_else(|e| panic!("canonical document does not load: {e}"));
    assert_eq!(again, policy, "document round trip changed the policy");
    let json = serde_json::to_string(&document)
        .unwrap_or_else(|e| panic!("document does not serialise: {e}"));
    let parsed: PolicyDocument =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("document JSON does not parse: {e}"));
    assert_eq!(parsed, document, "JSON round trip changed the document");

    for role in policy.roles().take(16) {
        let subject = Subject::new(1, [role]).with_groups([10]);
        assert!(
            policy.has_role(&subject, role),
            "a role does not hold itself"
        );
        for action in policy.actions().take(16) {
            let kind = action.split(':').next().unwrap_or_default();
            for resource in [
                Resource::owned(kind, 1, 1),
                Resource::owned(kind, 2, 2).with_group(10),
                Resource::new(kind),
            ] {
                let decision = policy.authorize(&subject, action, &resource);
                let explanation = policy.explain(&subject, action, &resource);
                assert_eq!(explanation.decision(), decision, "explain disagrees");
                assert_eq!(explanation.rule().is_some(), decision.is_allowed());
            }
        }
    }
}

/// A control character, a bidi control or a line or paragraph separator.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}
