export { Acl, AclError, accessDiff, capabilitiesFor, comparePriority, meetOf, pathsOfPolicies, policyPathMatches, reviewPaths, DENY } from './acl';
export type { Access, AccessChange, Policies, PolicyRule } from './acl';
export { accessReview, jwtSubject, kubernetesSubject, readRoles, renderAccessReview, subjectsOfRoles } from './review';
export type { AccessNote, AccessState, AccessSubject, RoleSubjects, SubjectAccessChange } from './review';
export { accessReviewOfTrees, accessStateOfInputs, accessStateOfTrees, sideNotes } from './state';
export type { AccessReviewOfTrees, AccessStateOfRepos, AccessStateOptions } from './state';
