// Databases made by released Bayline versions (src-shared/schema/fixtures/), opened with this
// code: a desk's file, a SQLite relay and a PostgreSQL relay come up with every row kept and
// every declared column present. relay/sync/extended-schema.test.ts does the same with a
// version 6 added, where the upgrade has work to do.
import { describeReleaseUpgrades, RELEASES } from '../testing/release-fixtures.js';

for (const release of RELEASES) describeReleaseUpgrades(release);
