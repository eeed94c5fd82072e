#include "api/api.h"
#include "api/common.h"
#include "http/http.h"

void gz_api_register_all(void)
{
	/* Every route needs a login unless registered public: checked on the headers. */
	gz_server_set_auth_hook(gz_api_authenticated);
	gz_api_system_register();
	gz_api_idempotency_register();
	gz_api_probes_register();
	gz_api_session_register();
	gz_api_users_register();
	gz_api_audit_register();
	gz_api_space_register();
	gz_api_residents_register();
	gz_api_units_register();
	gz_api_org_register();
}
