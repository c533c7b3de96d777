//! What is acted on: a kind, and the id, owner and group when known.

use crate::Subject;

/// The object a request acts on, as far as authorization cares.
///
/// `kind` must equal the resource part of the action checked (`jobs` for
/// `jobs:delete`); otherwise the request is denied with
/// [`DenyReason::KindMismatch`](crate::DenyReason::KindMismatch). `owner`
/// decides grants with the `own` scope and `group` grants with the `group`
/// scope; `id` is carried for explanations and logs.
///
/// Build the resource from the stored row, never from the request body:
///
/// | request | resource |
/// |---|---|
/// | read, update or delete an existing object | [`Resource::owned`]`(kind, row.id, row.owner_id)` |
/// | create an object, list one's own objects | [`Resource::of_subject`]`(kind, &subject)`: no id, owned by the caller |
/// | an action on the kind as a whole (list everyone's) | [`Resource::new`]`(kind)`: no owner, so only `any` grants match |
///
/// A create is checked against the object about to exist: its owner is the
/// owner it will have. Handlers set that owner to the caller, so an
/// `owner_id` smuggled into a request body cannot create objects for someone
/// else (and if a handler did pass it through, a grant scoped `own` would
/// refuse it).
///
/// ```
/// use opsguard_rbac::{Resource, Subject};
///
/// let alice = Subject::new(1, ["user"]);
/// let job = Resource::owned("jobs", 7, 2).with_group(10);
/// assert_eq!((job.kind(), job.id(), job.owner(), job.group()), ("jobs", Some(7), Some(2), Some(10)));
/// let new_job = Resource::of_subject("jobs", &alice);
/// assert_eq!((new_job.id(), new_job.owner()), (None, Some(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resource<'a> {
    kind: &'a str,
    id: Option<i64>,
    owner: Option<i64>,
    group: Option<i64>,
}

impl<'a> Resource<'a> {
    /// A resource of `kind` with no id, no owner and no group.
    #[must_use]
    pub const fn new(kind: &'a str) -> Self {
        Self {
            kind,
            id: None,
            owner: None,
            group: None,
        }
    }

    /// The existing object `id` of `kind`, owned by user `owner`.
    ///
    /// `owner` is the row's real owner id. For a row without an owner, use
    /// `Resource::new(kind).with_id(id)`: never stand in `0` or another
    /// made-up id, which would make that user the owner.
    #[must_use]
    pub const fn owned(kind: &'a str, id: i64, owner: i64) -> Self {
        Self::new(kind).with_id(id).with_owner(owner)
    }

    /// The subject's own objects of `kind` as a whole, or the object of
    /// `kind` the subject is creating: no id, owned by the subject.
    #[must_use]
    pub const fn of_subject(kind: &'a str, subject: &Subject) -> Self {
        Self::new(kind).with_owner(subject.id())
    }

    /// The same resource with id `id`.
    #[must_use]
    pub const fn with_id(mut self, id: i64) -> Self {
        self.id = Some(id);
        self
    }

    /// The same resource owned by user `owner`.
    #[must_use]
    pub const fn with_owner(mut self, owner: i64) -> Self {
        self.owner = Some(owner);
        self
    }

    /// The same resource in group `group`.
    #[must_use]
    pub const fn with_group(mut self, group: i64) -> Self {
        self.group = Some(group);
        self
    }

    /// The kind, such as `jobs`.
    #[must_use]
    pub const fn kind(&self) -> &'a str {
        self.kind
    }

    /// The id, if the object exists.
    #[must_use]
    pub const fn id(&self) -> Option<i64> {
        self.id
    }

    /// The owner's user id, if the object has an owner.
    #[must_use]
    pub const fn owner(&self) -> Option<i64> {
        self.owner
    }

    /// The group id, if the object belongs to a group.
    #[must_use]
    pub const fn group(&self) -> Option<i64> {
        self.group
    }
}
