/* Shared between the files of src/jobs/ only. */
#ifndef GZ_JOBS_INTERNAL_H
#define GZ_JOBS_INTERNAL_H

#include "jobs/jobs.h"

/* Index of the registered kind called name (0..gz_jobs_kind_count()), or -1. */
int gz_jobs_kind_index(const char *name);

/* The columns gz_jobs_list() and gz_jobs_get() read, in gz_job_info order. */
#define GZ_JOBS_INFO_COLS                                                                          \
	"id, kind, payload, state, locked_by, last_error, dedupe_key, attempts, max_attempts, "    \
	"run_at, lease_until, created_at, started_at, finished_at"

#endif
