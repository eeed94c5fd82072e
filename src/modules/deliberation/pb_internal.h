/* Between the PB files: the MES engine (pb_mes.c) as the rules (pb_rules.c) drive it. */
#ifndef GZ_MODULES_DELIBERATION_PB_INTERNAL_H
#define GZ_MODULES_DELIBERATION_PB_INTERNAL_H

#include "modules/deliberation/pb.h"

typedef struct mes_engine mes_engine;

/* An engine for repeated MES runs on one instance (buffers are kept between runs). */
mes_engine *mes_new(const pb_instance *in);
void mes_free(mes_engine *e);

/* MES with start money per voter `start` (10^-scale units). Writes the selection (project
 * indices in order) to sel and its total cost to cost; returns the count. With notes
 * (one per project, initialised by the caller), fills their MES part (mes, price, rho,
 * payments, money, after). */
size_t mes_run(mes_engine *e, const mpq_t start, uint32_t *sel, mpz_t cost, pb_note *notes);

/* The payment history of the last run, handed over to the caller (pb_outcome.history;
 * freed by mes_history_free). */
void *mes_take_history(mes_engine *e);
void mes_history_free(void *h);
size_t mes_history_payments(const void *h, size_t voter,
                            void (*fn)(void *ctx, uint32_t project, const mpq_t amount), void *ctx);

#endif
