// The SPEC's asadmin sequence (the machine found by MAC left out) on the glassfish-ims plugin.
package main

import (
	ims "github.com/glassfish-ims/glassfish-ims/sdks/go/glassfishims"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		domainXml := config.Require(ctx, "domainXml")
		// Each machine's libvirt connection is checked on create (SPEC §5); `pulumi config set
		// verifyConnections false` writes the configuration without reaching the machines.
		verify := true
		if v, err := config.TryBool(ctx, "verifyConnections"); err == nil {
			verify = v
		}
		kvm, err := ims.NewVirtualization(ctx, "kvm", &ims.VirtualizationArgs{
			DomainXml: pulumi.String(domainXml),
			Emulator:  pulumi.String("kvm"),
		})
		if err != nil {
			return err
		}
		// Parents by name, with domainXml from the parent's output (which also orders the steps).
		cloud, err := ims.NewServerPool(ctx, "cloud", &ims.ServerPoolArgs{
			DomainXml:      kvm.DomainXml,
			Virtualization: kvm.Name,
			Subnet:         pulumi.String("10.132.181.0/24"),
			PortNames:      pulumi.StringArray{pulumi.String("cscotun0"), pulumi.String("br0")},
		})
		if err != nil {
			return err
		}
		cloudUser, err := ims.NewPoolUser(ctx, "cloudUser", &ims.PoolUserArgs{
			DomainXml:  cloud.DomainXml,
			ServerPool: cloud.Name,
			Name:       pulumi.String("cloud"),
			UserId:     pulumi.Int(1001),
			GroupId:    pulumi.Int(1001),
		})
		if err != nil {
			return err
		}
		local, err := ims.NewMachine(ctx, "local", &ims.MachineArgs{
			DomainXml:        cloud.DomainXml,
			ServerPool:       cloud.Name,
			NetworkName:      pulumi.String("localhost"),
			VerifyConnection: pulumi.Bool(verify),
		}, pulumi.DependsOn([]pulumi.Resource{cloudUser}))
		if err != nil {
			return err
		}
		office, err := ims.NewMachine(ctx, "office", &ims.MachineArgs{
			DomainXml:        cloud.DomainXml,
			ServerPool:       cloud.Name,
			NetworkName:      pulumi.String("office"),
			Ip:               pulumi.String("10.132.181.57"),
			VerifyConnection: pulumi.Bool(verify),
		}, pulumi.DependsOn([]pulumi.Resource{cloudUser}))
		if err != nil {
			return err
		}
		if _, err := ims.NewMachineUser(ctx, "jdoe", &ims.MachineUserArgs{
			DomainXml: local.DomainXml,
			Machine:   local.Name,
			UserId:    pulumi.Int(1000),
			GroupId:   pulumi.Int(1000),
		}); err != nil {
			return err
		}
		ctx.Export("connectionString", kvm.EffectiveConnectionString)
		ctx.Export("officeIp", office.IpAddress)
		return nil
	})
}
