// sdk.h must also compile as C++ (extern "C", no C-only constructs), next to the C++ API.
#include <claimgate/sdk.h>
#include <claimgate/sdk/client.hpp>

static_assert(CG_OK == 0 && CG_QUEUED == 1 && CG_REFUSED == 2 && CG_INVALID_INPUT == 3 &&
                  CG_UNAVAILABLE == 4 && CG_CONFIG_ERROR == 5 && CG_INTERNAL == 99,
              "cg_status values are fixed forever");
static_assert(static_cast<int>(claimgate::sdk::Status::internal) == CG_INTERNAL);
int cgAbiHeaderCxxProbe() { return static_cast<int>(sizeof(cg_config)); }
