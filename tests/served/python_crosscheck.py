"""The official Azure SDKs for Python against the served kvfetch emulator, over real HTTPS.

Configured only by the environment block the emulator prints (AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID, AZURE_KEYVAULT_URL) plus HTTPS_PROXY and
REQUESTS_CA_BUNDLE: no SDK option is changed (challenge-resource verification stays on, MSAL
does its instance discovery and reads the OpenID metadata).

It follows the Key Vault samples: a secret set and retrieved, a key's JSON Web Key retrieved,
a resource group and a vault with access policies created through Azure Resource Manager, and
the recovery sample (soft delete, list deleted, recover, purge) for a secret and for a vault.

Run: python3 tests/served/python_crosscheck.py  (exits 0 when every check passed).
"""

import base64
import json
import os
import sys

from azure.identity import ClientSecretCredential, EnvironmentCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (
    AccessPolicyEntry,
    Permissions,
    Sku,
    VaultCreateOrUpdateParameters,
    VaultProperties,
)
from azure.mgmt.resource import ResourceManagementClient

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok {what}")


def object_id(credential):
    token = credential.get_token("https://management.azure.com/.default").token
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))["oid"]


def main():
    tenant = os.environ["AZURE_TENANT_ID"]
    subscription = os.environ["AZURE_SUBSCRIPTION_ID"]
    vault_url = os.environ["AZURE_KEYVAULT_URL"]
    env_credential = EnvironmentCredential()
    credential = ClientSecretCredential(
        tenant, os.environ["AZURE_CLIENT_ID"], os.environ["AZURE_CLIENT_SECRET"]
    )

    # Secrets: set and retrieve (EnvironmentCredential, as the samples use).
    secrets = SecretClient(vault_url, env_credential)
    secrets.set_secret("python-greeting", "hello from python")
    check(secrets.get_secret("python-greeting").value == "hello from python", "secret retrieved")

    # Keys: create an RSA and an EC key, retrieve their JSON Web Keys.
    keys = KeyClient(vault_url, credential)
    keys.create_rsa_key("python-rsa", size=2048)
    jwk = keys.get_key("python-rsa").key
    check(jwk.kty == "RSA" and len(jwk.n) == 256 and jwk.e == b"\x01\x00\x01", "RSA key's JWK")
    keys.create_ec_key("python-ec", curve="P-256")
    ec = keys.get_key("python-ec").key
    check(ec.kty == "EC" and ec.crv == "P-256" and len(ec.x) == 32, "EC key's JWK")

    # Resource Manager: a resource group and a vault with access policies.
    resources = ResourceManagementClient(credential, subscription)
    group = resources.resource_groups.create_or_update("python-rg", {"location": "westus2"})
    check(group.name == "python-rg", "resource group created")
    management = KeyVaultManagementClient(credential, subscription)
    oid = object_id(credential)
    policy = AccessPolicyEntry(
        tenant_id=tenant,
        object_id=oid,
        permissions=Permissions(
            keys=["get", "create", "list"],
            secrets=["get", "set", "list", "delete", "recover", "purge"],
        ),
    )
    parameters = VaultCreateOrUpdateParameters(
        location="westus2",
        properties=VaultProperties(
            tenant_id=tenant,
            sku=Sku(family="A", name="standard"),
            access_policies=[policy],
            enable_soft_delete=True,
        ),
    )
    vault = management.vaults.begin_create_or_update("python-rg", "pyvault-one", parameters).result()
    check(vault.properties.vault_uri == "https://pyvault-one.vault.azure.net/", "vault created")
    check(
        [p.object_id for p in vault.properties.access_policies] == [oid],
        "vault has the access policy",
    )
    got = management.vaults.get("python-rg", "pyvault-one")
    check(got.properties.sku.name == "standard", "vault read back")

    # The new vault's data plane, under its access policy.
    data = SecretClient(vault.properties.vault_uri, credential)
    data.set_secret("recoverable", "value-1")
    check(data.get_secret("recoverable").value == "value-1", "secret in the new vault")

    # The recovery sample, for a secret: delete, list deleted, recover, delete, purge.
    deleted = data.begin_delete_secret("recoverable").result()
    check(deleted.name == "recoverable" and deleted.recovery_id, "secret soft-deleted")
    check(
        "recoverable" in [s.name for s in data.list_deleted_secrets()],
        "secret listed as deleted",
    )
    data.begin_recover_deleted_secret("recoverable").result()
    check(data.get_secret("recoverable").value == "value-1", "secret recovered")
    data.begin_delete_secret("recoverable").result()
    data.purge_deleted_secret("recoverable")
    check(
        "recoverable" not in [s.name for s in data.list_deleted_secrets()],
        "secret purged",
    )

    # The recovery sample, for a vault: delete, list deleted, recover, delete, purge.
    management.vaults.delete("python-rg", "pyvault-one")
    deleted_vaults = [v.name for v in management.vaults.list_deleted()]
    check("pyvault-one" in deleted_vaults, "vault listed as deleted")
    gone = management.vaults.get_deleted("pyvault-one", "westus2")
    check(gone.properties.vault_id.endswith("/vaults/pyvault-one"), "deleted vault read")
    recover = VaultCreateOrUpdateParameters(
        location="westus2",
        properties=VaultProperties(
            tenant_id=tenant, sku=Sku(family="A", name="standard"), create_mode="recover"
        ),
    )
    recovered = management.vaults.begin_create_or_update(
        "python-rg", "pyvault-one", recover
    ).result()
    check(recovered.name == "pyvault-one", "vault recovered")
    management.vaults.delete("python-rg", "pyvault-one")
    management.vaults.begin_purge_deleted("pyvault-one", "westus2").result()
    check(
        "pyvault-one" not in [v.name for v in management.vaults.list_deleted()],
        "vault purged",
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - report and fail
        print(f"python crosscheck: FAILED after {checks} checks: {type(error).__name__}: {error}")
        sys.exit(1)
    print(f"python crosscheck: {checks} passed")
