/**
 * A Jira Cloud fake: issues (create with v2 plain-text fields, read with status and category,
 * comments), a workflow whose transitions lead to "To Do", "In Progress", "Done" and "Won't Do",
 * Basic auth with e-mail and API token, and a JQL search (`labels = "x"`) that only sees an issue
 * `indexLagMs` after it was created, as Jira's search index does, and issue links (POST
 * /rest/api/2/issueLink with a link type of Jira's default set; the issue lists them in `issuelinks`).
 */
import { basicCredential, startFakeHttpServer, type FakeHttpServer } from './fakeHttpServer.js';

const STATUSES = {
  '11': { name: 'To Do', category: 'new' },
  '21': { name: 'In Progress', category: 'indeterminate' },
  '31': { name: 'Done', category: 'done' },
  '41': { name: "Won't Do", category: 'done' },
} as const;

export interface JiraFakeIssue {
  id: string;
  key: string;
  summary: string;
  labels: string[];
  status: string;
  category: string;
  comments: string[];
  createdAtMs: number;
  /** The priority's name; Jira's default scheme when none is given. */
  priority: string;
  /** Links where this issue is the inward one: the link type's name and the outward issue's key. */
  links: Array<{ type: string; outward: string }>;
}

/** Jira's default issue link types: name, outward and inward descriptions. */
const LINK_TYPES: Record<string, { inward: string; outward: string }> = {
  Blocks: { inward: 'is blocked by', outward: 'blocks' },
  Cloners: { inward: 'is cloned by', outward: 'clones' },
  Duplicate: { inward: 'is duplicated by', outward: 'duplicates' },
  Relates: { inward: 'relates to', outward: 'relates to' },
};

/** The priorities of Jira's default priority scheme. */
const JIRA_PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];

export interface JiraFake extends FakeHttpServer {
  issues: Map<string, JiraFakeIssue>;
  /** Moves an issue as a person would, by transition id. */
  transition(key: string, transitionId: keyof typeof STATUSES): void;
}

export async function startJiraFake(email: string, token: string, options: { project?: string; indexLagMs?: number } = {}): Promise<JiraFake> {
  const project = options.project ?? 'OPS';
  const issues = new Map<string, JiraFakeIssue>();
  const move = (issue: JiraFakeIssue, id: keyof typeof STATUSES) => {
    issue.status = STATUSES[id].name;
    issue.category = STATUSES[id].category;
  };
  const notFound = { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
  const server = await startFakeHttpServer(
    [
      [
        'POST',
        /^\/rest\/api\/2\/issue$/,
        (request) => {
          const fields = ((request.body ?? {}) as { fields?: Record<string, unknown> }).fields ?? {};
          const errors: Record<string, string> = {};
          if ((fields.project as { key?: string } | undefined)?.key !== project) errors.project = 'valid project is required';
          if (!fields.summary) errors.summary = 'You must specify a summary of the issue.';
          if (!(fields.issuetype as { name?: string } | undefined)?.name) errors.issuetype = 'Specify an issue type';
          const priority = (fields.priority as { name?: string } | undefined)?.name ?? 'Medium';
          if (!JIRA_PRIORITIES.includes(priority)) errors.priority = `Specify a valid 'id' or 'name' for Priority`;
          const labels = (fields.labels as string[] | undefined) ?? [];
          if (labels.some((l) => /\s/.test(l))) errors.labels = 'The label must not contain spaces.';
          if (Object.keys(errors).length > 0) return { status: 400, body: { errorMessages: [], errors } };
          const id = String(10000 + issues.size + 1);
          const key = `${project}-${issues.size + 1}`;
          issues.set(key, { id, key, summary: String(fields.summary), labels, status: 'To Do', category: 'new', comments: [], createdAtMs: Date.now(), priority, links: [] });
          return { status: 201, body: { id, key, self: `/rest/api/2/issue/${id}` } };
        },
      ],
      [
        'GET',
        /^\/rest\/api\/2\/issue\/([A-Z]+-\d+)$/,
        (request) => {
          const issue = issues.get(request.params[0]!);
          if (!issue) return notFound;
          const issuelinks = issue.links.map((l, i) => ({ id: String(i + 1), type: { name: l.type, ...LINK_TYPES[l.type] }, outwardIssue: { key: l.outward } }));
          return { status: 200, body: { id: issue.id, key: issue.key, fields: { status: { name: issue.status, statusCategory: { key: issue.category } }, labels: issue.labels, summary: issue.summary, issuelinks } } };
        },
      ],
      [
        'POST',
        /^\/rest\/api\/2\/issueLink$/,
        (request) => {
          const body = (request.body ?? {}) as { type?: { name?: string }; inwardIssue?: { key?: string }; outwardIssue?: { key?: string } };
          const type = body.type?.name ?? '';
          if (!(type in LINK_TYPES)) return { status: 404, body: { errorMessages: [`No issue link type with name '${type}' found.`], errors: {} } };
          const inward = issues.get(body.inwardIssue?.key ?? '');
          const outward = issues.get(body.outwardIssue?.key ?? '');
          if (!inward || !outward) return { status: 404, body: { errorMessages: ['Issue Does Not Exist'], errors: {} } };
          if (!inward.links.some((l) => l.type === type && l.outward === outward.key)) inward.links.push({ type, outward: outward.key });
          return { status: 201 };
        },
      ],
      [
        'POST',
        /^\/rest\/api\/[23]\/issue\/([A-Z]+-\d+)\/comment$/,
        (request) => {
          const issue = issues.get(request.params[0]!);
          if (!issue) return notFound;
          issue.comments.push(String((request.body as { body?: unknown } | undefined)?.body ?? ''));
          return { status: 201, body: { id: String(issue.comments.length) } };
        },
      ],
      [
        'GET',
        /^\/rest\/api\/[23]\/issue\/([A-Z]+-\d+)\/transitions$/,
        (request) => {
          const issue = issues.get(request.params[0]!);
          if (!issue) return notFound;
          const transitions = Object.entries(STATUSES)
            .filter(([, s]) => s.name !== issue.status)
            .map(([id, s]) => ({ id, name: s.name === 'To Do' ? 'Reopen' : s.name, to: { name: s.name, statusCategory: { key: s.category } } }));
          return { status: 200, body: { transitions } };
        },
      ],
      [
        'POST',
        /^\/rest\/api\/[23]\/issue\/([A-Z]+-\d+)\/transitions$/,
        (request) => {
          const issue = issues.get(request.params[0]!);
          if (!issue) return notFound;
          const id = String((request.body as { transition?: { id?: unknown } } | undefined)?.transition?.id ?? '');
          if (!(id in STATUSES) || STATUSES[id as keyof typeof STATUSES].name === issue.status) return { status: 400, body: { errorMessages: [`Transition id '${id}' is not valid for this issue.`], errors: {} } };
          move(issue, id as keyof typeof STATUSES);
          return { status: 204 };
        },
      ],
      [
        'POST',
        /^\/rest\/api\/3\/search\/jql$/,
        (request) => {
          const jql = String((request.body as { jql?: unknown } | undefined)?.jql ?? '');
          const label = /labels\s*=\s*"([^"]+)"/.exec(jql)?.[1];
          const visibleBefore = Date.now() - (options.indexLagMs ?? 300);
          const found = [...issues.values()].filter((i) => i.createdAtMs <= visibleBefore && (label === undefined || i.labels.includes(label)));
          if (/ORDER BY created DESC/i.test(jql)) found.reverse();
          return { status: 200, body: { issues: found.map((i) => ({ id: i.id, key: i.key })), isLast: true } };
        },
      ],
    ],
    (request) => (basicCredential(request.headers) === `${email}:${token}` ? undefined : { status: 401, body: { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'] } }),
  );
  return {
    ...server,
    issues,
    transition(key, id) {
      move(issues.get(key)!, id);
    },
  };
}
