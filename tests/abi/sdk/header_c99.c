/* sdk.h must compile as strict C99: -std=c99 -Wall -Wextra -Werror -pedantic (and as C++). */
#include <claimgate/sdk.h>

#include <string.h>

int cg_abi_header_c99_probe(void);
int cg_abi_header_c99_probe(void) {
    cg_config config;
    cg_result result;
    memset(&config, 0, sizeof config);
    memset(&result, 0, sizeof result);
    result.status = CG_OK;
    return (int)result.status + (int)sizeof(cg_result) + (int)config.timeout_ms;
}
