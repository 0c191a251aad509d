/* Shared helpers of the account model (include/chaintrail/account.h). */
#include "chaintrail/account.h"

int ct_acct_pos_cmp(const ct_acct_pos *a, const ct_acct_pos *b)
{
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->tx_index != b->tx_index)
        return a->tx_index < b->tx_index ? -1 : 1;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return 0;
}
