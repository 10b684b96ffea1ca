export { Acl, AclError, accessDiff, capabilitiesFor, comparePriority, pathsOfPolicies, policyPathMatches, DENY } from './acl';
export type { Access, AccessChange, Policies, PolicyRule } from './acl';
export { accessReview, renderAccessReview, subjectsOfRoles } from './review';
export type { AccessState, AccessSubject, SubjectAccessChange } from './review';
