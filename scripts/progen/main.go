// progen writes the program that `pulumi import --out` would generate in a language whose host
// implements GenerateProgram, which the hosts this project can build do not (Node.js and Python
// 3.68.0, Go 3.62.0; only YAML's does). It runs the CLI's own step for it: pkg/v3's
// importer.GenerateLanguageDefinitions over the resources of an import file as the stack's state
// has them, in the file's order, with pkg/v3's program generator of the language, offline (the
// schema is read from a file).
//
//	progen <schema.json> <state.json> <import file> <language>   (languages: python, go, nodejs)
//
// state.json is `pulumi stack export --show-secrets` (the generator needs plain values). The
// program goes to stdout. Built and run by scripts/gen-program.sh.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/pkg/v3/importer"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	sdkconfig "github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
)

// one is the schema loader: every package it is asked for is the one bound from schema.json.
type one struct{ pkg *schema.Package }

func (l *one) LoadPackage(string, *semver.Version) (*schema.Package, error) { return l.pkg, nil }

func (l *one) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return l.pkg, nil
}

func (l *one) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return l.pkg.Reference(), nil
}

func (l *one) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.pkg.Reference(), nil
}

type generator func(*pcl.Program) (map[string][]byte, error)

var generators = map[string]generator{
	"python": func(p *pcl.Program) (map[string][]byte, error) {
		files, _, err := pythongen.GenerateProgram(p)
		return files, err
	},
	"go": func(p *pcl.Program) (map[string][]byte, error) {
		files, _, err := gogen.GenerateProgram(p)
		return files, err
	},
	"nodejs": func(p *pcl.Program) (map[string][]byte, error) {
		files, _, err := nodejsgen.GenerateProgram(p)
		return files, err
	},
}

func run(args []string) error {
	if len(args) != 4 || generators[args[3]] == nil {
		return fmt.Errorf("usage: progen <schema.json> <state.json> <import file> <python|go|nodejs>")
	}
	text, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	loader := &one{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s does not bind: %s", args[0], diags.Error())
	}
	loader.pkg = pkg

	raw, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	var export apitype.UntypedDeployment
	if err := json.Unmarshal(raw, &export); err != nil {
		return fmt.Errorf("%s: %w", args[1], err)
	}
	var deployment apitype.DeploymentV3
	if err := json.Unmarshal(export.Deployment, &deployment); err != nil {
		return fmt.Errorf("%s: %w", args[1], err)
	}
	var all []*pkgresource.State
	for _, r := range deployment.Resources {
		s, err := stack.DeserializeResource(r, sdkconfig.NopDecrypter)
		if err != nil {
			return fmt.Errorf("%s: %s: %w (export it with --show-secrets)", args[1], r.URN, err)
		}
		all = append(all, s)
	}
	// As the CLI does: the imported resources in the import file's order (the state holds them
	// in the order their imports finished).
	list, err := os.ReadFile(args[2])
	if err != nil {
		return err
	}
	var file struct {
		Resources []struct {
			Type        string `json:"type"`
			Name        string `json:"name"`
			LogicalName string `json:"logicalName"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(list, &file); err != nil {
		return fmt.Errorf("%s: %w", args[2], err)
	}
	var imported []*pkgresource.State
	for _, r := range file.Resources {
		name := r.LogicalName
		if name == "" {
			name = r.Name
		}
		found := false
		for _, s := range all {
			if !s.Delete && string(s.Type) == r.Type && s.URN.Name() == name {
				imported = append(imported, s)
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%s: %s %s is not in %s", args[2], r.Type, name, args[1])
		}
	}
	gen := generators[args[3]]
	return importer.GenerateLanguageDefinitions(os.Stdout, loader,
		func(w io.Writer, p *pcl.Program) error {
			files, err := gen(p)
			if err != nil {
				return err
			}
			for _, content := range files {
				if _, err := w.Write(content); err != nil {
					return err
				}
			}
			return nil
		}, imported, all, nil)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "progen:", err)
		os.Exit(1)
	}
}
