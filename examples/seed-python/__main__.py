"""The SPEC's asadmin sequence (the machine found by MAC left out) on the glassfish-ims plugin."""
import pulumi
import pulumi_glassfish_ims as ims

config = pulumi.Config()
domain_xml = config.require("domainXml")
# Each machine's libvirt connection is checked on create (SPEC §5); `pulumi config set
# verifyConnections false` writes the configuration without reaching the machines.
verify = config.get_bool("verifyConnections")
verify = True if verify is None else verify

kvm = ims.Virtualization("kvm", domain_xml=domain_xml, emulator="kvm")
# Parents by name, with domainXml from the parent's output (which also orders the steps).
cloud = ims.ServerPool(
    "cloud",
    domain_xml=kvm.domain_xml,
    virtualization=kvm.name,
    subnet="10.132.181.0/24",
    port_names=["cscotun0", "br0"],
)
cloud_user = ims.PoolUser(
    "cloudUser",
    domain_xml=cloud.domain_xml,
    server_pool=cloud.name,
    name="cloud",
    user_id=1001,
    group_id=1001,
)
after_user = pulumi.ResourceOptions(depends_on=[cloud_user])
local = ims.Machine(
    "local",
    domain_xml=cloud.domain_xml,
    server_pool=cloud.name,
    network_name="localhost",
    verify_connection=verify,
    opts=after_user,
)
office = ims.Machine(
    "office",
    domain_xml=cloud.domain_xml,
    server_pool=cloud.name,
    network_name="office",
    ip="10.132.181.57",
    verify_connection=verify,
    opts=after_user,
)
ims.MachineUser(
    "jdoe", domain_xml=local.domain_xml, machine=local.name, user_id=1000, group_id=1000
)

pulumi.export("connectionString", kvm.effective_connection_string)
pulumi.export("officeIp", office.ip_address)
