// The SPEC's asadmin sequence (without the machine found by MAC) on the provider plugin.
package main

import (
	ims "github.com/glassfish-ims/glassfish-ims/sdks/go/glassfishims"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		domainXml := config.Require(ctx, "domainXml")
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
		// These tests are about domain.xml: no libvirt connection.
		local, err := ims.NewMachine(ctx, "local", &ims.MachineArgs{
			DomainXml:        cloud.DomainXml,
			ServerPool:       cloud.Name,
			NetworkName:      pulumi.String("localhost"),
			VerifyConnection: pulumi.Bool(false),
		}, pulumi.DependsOn([]pulumi.Resource{cloudUser}))
		if err != nil {
			return err
		}
		office, err := ims.NewMachine(ctx, "office", &ims.MachineArgs{
			DomainXml:        cloud.DomainXml,
			ServerPool:       cloud.Name,
			NetworkName:      pulumi.String("office"),
			Ip:               pulumi.String("10.132.181.57"),
			VerifyConnection: pulumi.Bool(false),
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
