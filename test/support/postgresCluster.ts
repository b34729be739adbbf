/** The temporary PostgreSQL server of the tests: the one the benchmarks start (bench/postgresCluster.ts). */
export { freeLoopbackPort, type PostgresCluster, type PostgresClusterOptions, postgresBinaries, startPostgresCluster } from '../../bench/postgresCluster.js';
