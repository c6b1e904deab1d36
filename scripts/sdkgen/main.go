// sdkgen generates the glassfish-ims SDKs from schema.json with pkg/v3's own code generators,
// offline (`pulumi package gen-sdk` needs language hosts that implement GeneratePackage, which the
// hosts this project can build do not, except YAML's).
//
//	sdkgen <schema.json> <out dir> <language>...   (languages: nodejs, python, go)
//
// Each language's files go to <out dir>/<language>. Built and run by scripts/gen-sdks.sh.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "glassfish-ims sdkgen"

// offline is the schema loader: the package references no other package, so none is ever loaded
// (no plugin, no network).
type offline struct{}

func refuse(pkg string) error {
	return fmt.Errorf("schema.json refers to package %q: sdkgen loads no other package", pkg)
}

func (offline) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, refuse(pkg)
}

func (offline) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refuse(d.Name)
}

func (offline) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refuse(pkg)
}

func (offline) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, refuse(d.Name)
}

func generate(lang string, pkg *schema.Package) (map[string][]byte, error) {
	switch lang {
	case "nodejs":
		return nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, offline{})
	case "python":
		return pythongen.GeneratePackage(tool, pkg, nil, offline{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	}
	return nil, fmt.Errorf("language %q is not one of nodejs, python, go", lang)
}

func run(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: sdkgen <schema.json> <out dir> <language>... (nodejs, python, go)")
	}
	text, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	pkg, diags, err := schema.BindSpec(spec, offline{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s does not bind: %s", args[0], diags.Error())
	}
	for _, lang := range args[2:] {
		files, err := generate(lang, pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		root := filepath.Join(args[1], lang)
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		for name, content := range files {
			file := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(file, content, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("%s: %d files in %s\n", lang, len(files), root)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}
