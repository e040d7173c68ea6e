import type { DirectoryProvider, GroupInfo } from "../core/ports/directory.js";
import { judgeGroup } from "../core/groupEligibility.js";

/** A search hit, marked with whether a mapping could target it. */
export interface GroupCandidate extends Omit<GroupInfo, "membershipRule"> {
  readonly eligible: boolean;
  /** Set when not eligible: the same refusal type creating a mapping would answer with. */
  readonly reason?: string;
  readonly message?: string;
}

function candidate(group: GroupInfo, memberType: "device" | "user"): GroupCandidate {
  const verdict = judgeGroup(group, memberType);
  const { id, displayName, groupTypes, securityEnabled, mailEnabled, onPremisesSyncEnabled, isAssignableToRole } = group;
  const base = { id, displayName, groupTypes, securityEnabled, mailEnabled, onPremisesSyncEnabled, isAssignableToRole };
  if (verdict.eligible || verdict.reason === null) return { ...base, eligible: true };
  return { ...base, eligible: false, reason: verdict.reason, ...(verdict.message === null ? {} : { message: verdict.message }) };
}

/**
 * Groups whose name starts with `text`, each marked with whether a mapping of that member type could target
 * it, by the same rule mapping creation applies (groupEligibility.ts).
 */
export async function searchGroupCandidates(
  directories: DirectoryProvider,
  options: { tenantId: string | null; text: string; memberType: "device" | "user"; limit: number },
): Promise<GroupCandidate[]> {
  const groups = await directories.open(options.tenantId).searchGroups(options.text, options.limit);
  return groups.map((group) => candidate(group, options.memberType));
}
