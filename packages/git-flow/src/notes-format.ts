import type { ReleaseConfig } from '@reletan/config';
import { notesTitle, type ReleaseNotes, type ReleaseNotesPullRequest } from './notes.js';

export type NotesGroupConfig = ReleaseConfig['notes']['groups'][number];

export interface NotesSection {
  /** undefined for the single section of ungrouped notes. */
  title?: string;
  pullRequests: ReleaseNotesPullRequest[];
}

/** The heading of pull requests that match no group. */
const OTHER_CHANGES = 'Other changes';

/**
 * Sections by label, in the configured order: a pull request goes in the first group one of whose labels
 * it has, else in "Other changes". Empty sections are left out. No groups: one untitled section.
 */
export function groupPullRequests(
  pullRequests: readonly ReleaseNotesPullRequest[],
  groups: readonly NotesGroupConfig[],
): NotesSection[] {
  if (groups.length === 0) return pullRequests.length ? [{ pullRequests: [...pullRequests] }] : [];
  const sections: NotesSection[] = groups.map((group) => ({ title: group.title, pullRequests: [] }));
  const other: NotesSection = { title: OTHER_CHANGES, pullRequests: [] };
  for (const pr of pullRequests) {
    const index = groups.findIndex((group) => group.labels.some((label) => pr.labels?.includes(label)));
    (index === -1 ? other : (sections[index] as NotesSection)).pullRequests.push(pr);
  }
  return [...sections, other].filter((section) => section.pullRequests.length > 0);
}

export interface FormatNotesOptions {
  tagPrefix: string;
  /** @default [] */
  groups?: readonly NotesGroupConfig[];
  /** Start with the title as a heading (a GitHub Release has its own title). @default true */
  heading?: boolean;
}

/** Markdown, as GitHub renders it: `#N` and `@login` become links there. */
export function formatMarkdown(notes: ReleaseNotes, options: FormatNotesOptions): string {
  const lines: string[] = [];
  if (options.heading ?? true) lines.push(`## ${notesTitle(notes, options.tagPrefix)}`, '');
  const sections = groupPullRequests(notes.pullRequests, options.groups ?? []);
  if (sections.length === 0) lines.push('No pull requests.');
  for (const section of sections) {
    if (section.title) lines.push(`### ${section.title}`, '');
    for (const pr of section.pullRequests) {
      lines.push(`- ${pr.title} (#${pr.number})${pr.author ? ` @${pr.author}` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** Slack mrkdwn, for an incoming webhook's `text`. */
export function formatSlack(notes: ReleaseNotes, options: FormatNotesOptions): string {
  const lines = [`*${escapeSlack(notesTitle(notes, options.tagPrefix))}*`];
  const sections = groupPullRequests(notes.pullRequests, options.groups ?? []);
  if (sections.length === 0) lines.push('No pull requests.');
  for (const section of sections) {
    if (section.title) lines.push('', `*${escapeSlack(section.title)}*`);
    for (const pr of section.pullRequests) {
      const ref = pr.url ? `<${pr.url}|#${pr.number}>` : `#${pr.number}`;
      lines.push(`• ${ref} ${escapeSlack(pr.title)}${pr.author ? ` (${escapeSlack(pr.author)})` : ''}`);
    }
  }
  return lines.join('\n');
}

/** Slack's three control characters in mrkdwn text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
