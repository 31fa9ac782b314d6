import * as E from 'fp-ts/lib/Either';
import { checkReadOnlyInfluxql, influxqlStatements } from './InfluxqlQuery';

describe('influxqlStatements', () => {
  it.each([
    ['SELECT a FROM b', ['SELECT a FROM b']],
    ['SELECT a FROM b; SHOW DATABASES;', ['SELECT a FROM b', 'SHOW DATABASES']],
    ["SELECT a FROM b WHERE t = 'x;y'; SHOW TAG KEYS", ["SELECT a FROM b WHERE t = 'x;y'", 'SHOW TAG KEYS']],
    ['SELECT "we;ird" FROM b', ['SELECT "we;ird" FROM b']],
    ['SELECT a FROM b WHERE host =~ /a;b/', ['SELECT a FROM b WHERE host =~ /a;b/']],
    ["SELECT a FROM b WHERE t = 'it\\'s;'", ["SELECT a FROM b WHERE t = 'it\\'s;'"]],
    [' ; ;', []],
  ])('splits %j', (query, statements) => {
    expect(influxqlStatements(query)).toEqual(statements);
  });
});

describe('checkReadOnlyInfluxql', () => {
  it.each([
    'SELECT mean("ratio") FROM "errors" WHERE time > now() - 5m',
    'select ratio from errors',
    'SHOW MEASUREMENTS',
    "SELECT ratio FROM errors WHERE note = 'DROP DATABASE x'; SELECT 1",
    'SELECT "into" FROM errors',
  ])('lets %j through', (query) => {
    expect(checkReadOnlyInfluxql(query)).toEqual(E.right(query));
  });

  it.each([
    ['', /empty/],
    ['DROP DATABASE rollouts', /starts with "DROP": an analysis query may only read/],
    ['SELECT ratio FROM errors; DELETE FROM errors', /statement 2 starts with "DELETE"/],
    ['SELECT ratio INTO copy FROM errors', /SELECT … INTO, which writes data/],
    ['CREATE DATABASE x', /"CREATE"/],
  ])('refuses %j', (query, message) => {
    const r = checkReadOnlyInfluxql(query);
    expect(E.isLeft(r) && r.left).toMatch(message);
  });
});
