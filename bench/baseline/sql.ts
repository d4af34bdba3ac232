/**
 * Warehouse ID stitching as SQL, the way warehouse CDP tools do it: normalise identifiers,
 * make an edge between identifiers seen in one event, and label connected components by
 * iterative min-label propagation. No anchors, no limits, no reassignment: every shared value
 * joins everything it touches.
 */

import { DEFAULT_DENIED_VALUES } from '../../src/core/deny-list.js'

const q = (text: string) => `'${text.replaceAll("'", "''")}'`

/** The resolver's built-in deny-list plus samples/identity.yaml's blocked values. */
const DENIED_VALUES = [...DEFAULT_DENIED_VALUES, '0000']

/** Loads NDJSON event files into `events` (one row per distinct eventId); bad lines are skipped. */
export function loadEventsSql(files: readonly string[]): string {
  return `
CREATE OR REPLACE TABLE raw_events AS
SELECT * FROM read_json([${files.map(q).join(', ')}],
  format = 'newline_delimited', ignore_errors = true,
  columns = {eventId: 'VARCHAR', identifiers: 'STRUCT(type VARCHAR, value VARCHAR)[]'});
CREATE OR REPLACE TABLE events AS
SELECT eventId, any_value(identifiers) AS identifiers
FROM raw_events WHERE eventId IS NOT NULL AND identifiers IS NOT NULL GROUP BY eventId;`
}

/** Normalised identifiers per event (`ids`), with placeholders removed when `denyList`. */
export function normaliseSql(denyList: boolean): string {
  const denied = `(${DENIED_VALUES.map(q).join(', ')})`
  const blocked = denyList
    ? `AND raw NOT IN ${denied} AND value NOT IN ${denied}
  AND NOT (regexp_full_match(raw, '[0-9 ().+/-]+') AND length(digits) >= 4
           AND replace(digits, left(digits, 1), '') = '')
  AND NOT regexp_matches(value, '@([a-z0-9-]+\\.)*example\\.(com|org|net)$')
  AND NOT regexp_matches(value, '^(noreply|no-reply|donotreply|do-not-reply|mailer-daemon)@')
  AND NOT (type = 'loyalty_card' AND regexp_matches(raw, '^test-'))`
    : ''
  return `
CREATE OR REPLACE TABLE ids AS
WITH sent AS (
  SELECT eventId, unnest(identifiers) AS id FROM events
), cleaned AS (
  SELECT eventId, id.type AS type, lower(trim(id.value)) AS raw,
         regexp_replace(id.value, '[^0-9]', '', 'g') AS digits, trim(id.value) AS trimmed
  FROM sent WHERE id.value IS NOT NULL
), normalised AS (
  SELECT eventId, type, raw, digits,
    CASE type
      WHEN 'email' THEN CASE WHEN regexp_full_match(raw, '[^@\\s]+@[^@\\s]+\\.[a-z]{2,}') THEN raw END
      WHEN 'phone' THEN CASE
        WHEN length(digits) = 10 AND regexp_full_match(digits, '[2-9][0-9]{2}[2-9][0-9]{6}')
          THEN '+1' || digits
        WHEN length(digits) = 11 AND regexp_full_match(digits, '1[2-9][0-9]{2}[2-9][0-9]{6}')
          THEN '+' || digits
        END
      WHEN 'device_id' THEN raw
      ELSE trimmed
    END AS value
  FROM cleaned
)
SELECT DISTINCT eventId, type, value FROM normalised
WHERE value IS NOT NULL AND value <> '' ${blocked};`
}

/** Nodes, star edges around each event's smallest node, labels initialised to node ids. */
export const GRAPH_SQL = `
CREATE OR REPLACE TABLE nodes AS
SELECT row_number() OVER (ORDER BY type, value) AS node, type, value
FROM (SELECT DISTINCT type, value FROM ids);
CREATE OR REPLACE TABLE event_nodes AS
SELECT i.eventId, n.node FROM ids i JOIN nodes n USING (type, value);
CREATE OR REPLACE TABLE edges AS
WITH hub AS (SELECT eventId, min(node) AS hub FROM event_nodes GROUP BY eventId),
star AS (SELECT e.node AS a, h.hub AS b FROM event_nodes e JOIN hub h USING (eventId) WHERE e.node <> h.hub)
SELECT DISTINCT a, b FROM (SELECT a, b FROM star UNION ALL SELECT b AS a, a AS b FROM star);
CREATE OR REPLACE TABLE labels AS SELECT node, node AS label FROM nodes;`

/** One propagation round: every node takes the smallest label among itself and its neighbours. */
export const PROPAGATE_SQL = `
CREATE OR REPLACE TABLE next_labels AS
SELECT l.node, least(l.label, coalesce(min(n.label), l.label)) AS label
FROM labels l LEFT JOIN edges e ON e.a = l.node LEFT JOIN labels n ON n.node = e.b
GROUP BY l.node, l.label;`

export const CHANGED_SQL = `
SELECT count(*)::BIGINT AS changed FROM next_labels x JOIN labels l USING (node) WHERE x.label <> l.label`

export const SWAP_SQL = `
DROP TABLE labels; ALTER TABLE next_labels RENAME TO labels;`

/** Final partition: every identifier with its component label. */
export const PARTITION_SQL = `
SELECT l.label, n.type, n.value FROM labels l JOIN nodes n USING (node) ORDER BY l.label`
