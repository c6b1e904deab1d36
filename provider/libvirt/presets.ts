/** The emulators a `Virtualization` can be preset for. */
export const EMULATORS = ["kvm", "qemu", "xen", "test"] as const;

/** One of {@link EMULATORS}. */
export type Emulator = (typeof EMULATORS)[number];

/** The connection-string template GlassFish uses when the attribute is absent (the kvm one). */
export const QEMU_TEMPLATE = "qemu#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system";

/** Defaults GlassFish assumes for an absent attribute of `<libvirt-virtualization>`. */
export const ELEMENT_DEFAULTS = {
  emulatorPath: "/usr/bin/kvm",
  connectionString: QEMU_TEMPLATE,
  templateCacheSize: 5,
  templateCacheRefreshRate: 120,
} as const;

/** What an emulator preset implies (SPEC §3); `undefined` path means none is needed. */
export interface Preset {
  emulatorPath: string | undefined;
  connectionString: string;
}

/** The presets of SPEC §3. `test` is libvirt's embedded test driver: no daemon, no emulator. */
export const PRESETS: Readonly<Record<Emulator, Preset>> = {
  kvm: { emulatorPath: "/usr/bin/kvm", connectionString: QEMU_TEMPLATE },
  qemu: { emulatorPath: "/usr/bin/qemu-system-x86_64", connectionString: QEMU_TEMPLATE },
  xen: {
    emulatorPath: "/usr/lib64/xen/bin/qemu-dm",
    connectionString: "xen#{auth.sep}#{auth.method}://#{user.name}@#{target.host}/system",
  },
  test: { emulatorPath: undefined, connectionString: "test:///default" },
};

/** The macros a connection-string template may use. */
export const MACROS = ["#{auth.sep}", "#{auth.method}", "#{user.name}", "#{target.host}"] as const;
