/* A generated city-wide participatory budget round as a pabulib .pb file, for bench/pb.sh.
 *
 *   bench_pb_gen VOTERS PROJECTS SEED > round.pb
 *
 * Deterministic (splitmix64 from SEED): the same arguments give the same file on every
 * machine. The city has 16 districts; a project belongs to one district (or, one in ten,
 * to the whole city) and costs 30,000.00 to 2,000,000.00 yuan (fen precision); its appeal
 * falls off like 1/rank within its district. A voter lives in one district and approves
 * 1 to 10 projects, four in five of them from their own district, drawn by appeal. The
 * budget is a quarter of the total cost. Integers only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return next() % n;
}

#define DISTRICTS 16

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_pb_gen VOTERS PROJECTS SEED\n");
		return 2;
	}
	long voters = atol(argv[1]), projects = atol(argv[2]);
	rng = strtoull(argv[3], NULL, 10);
	if (voters < 1 || projects < 1 || projects > 100000) {
		fprintf(stderr, "bench_pb_gen: bad sizes\n");
		return 2;
	}
	int *district = malloc((size_t)projects * sizeof *district);
	uint64_t *cost = malloc((size_t)projects * sizeof *cost);
	uint64_t *weight = malloc((size_t)projects * sizeof *weight);
	uint64_t total = 0;
	int rank[DISTRICTS + 1] = {0};
	for (long p = 0; p < projects; p++) {
		district[p] = below(10) == 0 ? DISTRICTS : (int)below(DISTRICTS);
		cost[p] = 3000000 + below(197000001); /* fen */
		total += cost[p];
		weight[p] = 1000000 / (uint64_t)(++rank[district[p]]);
	}
	uint64_t budget = total / 4;
	printf("META\nkey;value\ndescription;Generated city-wide round (bench/pb.sh)\n"
	       "country;China\nunit;Bench City\ninstance;2025\nnum_projects;%ld\nnum_votes;%ld\n"
	       "budget;%llu.%02llu\nvote_type;approval\nrule;equalshares/add1\ncurrency;CNY\n",
	       projects, voters, (unsigned long long)(budget / 100),
	       (unsigned long long)(budget % 100));
	printf("PROJECTS\nproject_id;cost;name;district\n");
	for (long p = 0; p < projects; p++)
		printf("P%04ld;%llu.%02llu;\"Project %ld; district %d\";%d\n", p + 1,
		       (unsigned long long)(cost[p] / 100), (unsigned long long)(cost[p] % 100),
		       p + 1, district[p], district[p]);
	/* per district: cumulative weights of its projects and the city-wide ones */
	uint64_t sum[DISTRICTS + 1] = {0};
	for (long p = 0; p < projects; p++)
		sum[district[p]] += weight[p];
	printf("VOTES\nvoter_id;vote;district\n");
	char *chosen = calloc((size_t)projects, 1);
	long *list = malloc(16 * sizeof *list);
	for (long v = 0; v < voters; v++) {
		int home = (int)below(DISTRICTS);
		int want = 1 + (int)below(10), got = 0;
		for (int tries = 0; got < want && tries < 50; tries++) {
			int d = below(5) == 0 ? DISTRICTS : home;
			if (!sum[d])
				continue;
			uint64_t r = below(sum[d]);
			long p = 0;
			for (; p < projects; p++)
				if (district[p] == d) {
					if (r < weight[p])
						break;
					r -= weight[p];
				}
			if (p == projects || chosen[p])
				continue;
			chosen[p] = 1;
			list[got++] = p;
		}
		printf("%ld;", v + 1);
		for (int i = 0; i < got; i++) {
			printf("%sP%04ld", i ? "," : "", list[i] + 1);
			chosen[list[i]] = 0;
		}
		printf(";%d\n", home);
	}
	free(chosen);
	free(list);
	free(district);
	free(cost);
	free(weight);
	return 0;
}
