import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../rules/template/parseTemplate.js';
import { renderTemplate, TemplateError, type TemplateContext } from '../../rules/template/renderTemplate.js';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from '../../rules/template/templateFilters.js';

const context: TemplateContext = {
  value: 0.934,
  threshold: 0.9,
  clearThreshold: 0.85,
  forSeconds: 300,
  clearForSeconds: 0,
  current: 0.95,
  secondsToThreshold: 5400,
  seriesCount: 20,
  matchingCount: 7,
  metric: 'filesystem_used_ratio',
  rule: 'disk_full',
  labels: { host: 'web-1', mount: '/var', size: '1610612736' },
};

const render = (source: string) => renderTemplate(parseTemplate(source), context);

describe('renderTemplate', () => {
  it.each([
    // plain text passes through, including lone braces
    ['no fields here { }', 'no fields here { }'],
    // labels, with or without spaces inside the braces
    ['{{ labels.mount }} on {{labels.host}}', '/var on web-1'],
    // a missing label renders empty, as in Prometheus
    ['[{{ labels.device }}]', '[]'],
    // numbers default to the number format
    ['{{ value }} > {{ threshold }}', '0.934 > 0.9'],
    ['{{ value | percent }} over {{ threshold | percent }}', '93.4% over 90%'],
    ['for {{ forSeconds | seconds }}', 'for 5m'],
    ['{{ metric }} / {{ rule }}', 'filesystem_used_ratio / disk_full'],
    // a numeric label can take a filter
    ['{{ labels.size | bytes }}', '1.5 GiB'],
    // figures of window, predict and aggregate rules
    ['now {{ current | percent }}, full in {{ secondsToThreshold | seconds }}', 'now 95%, full in 1h30m'],
    ['{{ matchingCount }} of {{ seriesCount }} hosts', '7 of 20 hosts'],
  ])('%s', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it.each([
    // typo in a variable, with a suggestion
    ['{{ valeu }}', 'unknown template variable "valeu"; did you mean "value"?'],
    // Go-template habits get a pointer to this syntax
    ['{{ $labels.mount }}', 'unknown template variable "$labels.mount"; did you mean "labels.mount"?'],
    ['{{ .Value }}', 'unknown template variable ".Value"; did you mean "value"?'],
    // typo in a filter
    ['{{ value | percnt }}', 'unknown template filter "percnt"; did you mean "percent"?'],
    ['{{ value | upper }}', 'unknown template filter "upper"; expected one of: number, percent, bytes, seconds'],
    // a numeric filter on a text variable
    ['{{ metric | bytes }}', 'filter "bytes" needs a number, but "metric" is text'],
    ['{{ value | percent | bytes }}', '"{{ value | percent | bytes }}" has 2 filters; a field takes at most one'],
    ['{{ }}', 'empty "{{ }}"; expected a variable such as value or labels.host'],
    ['ok {{ value', 'unclosed "{{" at character 4'],
    ['{{ labels.9x }}', '"9x" is not a label name'],
  ])('rejects %s when parsed', (source, message) => {
    expect(() => parseTemplate(source)).toThrow(message);
  });

  it('reports every problem of a template at once', () => {
    try {
      parseTemplate('{{ valeu }} and {{ value | percnt }}');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).problems).toHaveLength(2);
    }
  });

  it('throws at render time only for a numeric filter on a non-numeric label', () => {
    expect(() => render('{{ labels.mount | bytes }}')).toThrow('label mount="/var" is not a number');
  });
});

describe('template filters', () => {
  it.each([
    [formatNumber, 0.934, '0.934'],
    [formatNumber, 0.93333, '0.933'],
    [formatNumber, 0.000123456, '0.000123'],
    [formatNumber, 12345.6789, '12345.679'],
    [formatNumber, 2, '2'],
    [formatNumber, 0, '0'],
    [formatNumber, -1.5, '-1.5'],
    [formatNumber, NaN, 'NaN'],
    [formatPercent, 0.934, '93.4%'],
    [formatPercent, 0.9, '90%'],
    [formatPercent, 1, '100%'],
    [formatPercent, 0.0004, '0.04%'],
    [formatBytes, 512, '512 B'],
    [formatBytes, 1024, '1 KiB'],
    [formatBytes, 1.5 * 1024 ** 3, '1.5 GiB'],
    [formatBytes, 123.456 * 1024 ** 4, '123 TiB'],
    [formatSeconds, 300, '5m'],
    [formatSeconds, 5400, '1h30m'],
    [formatSeconds, 0.25, '250ms'],
    [formatSeconds, 90061, '1d1h1m1s'],
  ] as const)('%o(%s) = %s', (format, input, expected) => {
    expect(format(input)).toBe(expected);
  });
});
