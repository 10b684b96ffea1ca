export { effectOfChange, keepersForceReplacement, loadReplacementTable, replacementTable, REPLACEMENT_TABLE_FILE } from './replacement';
export type { Args, ChangeEffect, ChangeResult, ArgumentChange, ReplacementTable, ResourceRules } from './replacement';
export { planLiveChanges, planKubeChanges, isStateful, orderLiveEffects, kubeIdentity, VSO_GROUP } from './plan';
export type { LivePlan, LivePlanOptions } from './plan';
export { suggestRefactoring, movedBlock, removedBlock, importBlock, importId } from './refactor';
export type { RefactorSuggestion, MovedSuggestion, RemovedImportSuggestion } from './refactor';
export { renderLiveEffects } from './table';
export { destroyDataEffect } from './data-effects';
export type { LiveResource, Moved, Removed, Import, KubeObject, LiveEffect, TofuLiveEffect, KubeLiveEffect, LiveEffectKind } from './types';
