package imsconformance;

import org.jvnet.hk2.annotations.Service;
import org.jvnet.hk2.config.NoopConfigInjector;

/**
 * Registers {@link LibvirtVirtualization} under the element name libvirt-virtualization, as
 * HK2's config generator does for GlassFish's own beans (written by hand here: the generator is
 * not part of the 4.0-b33 jars). The metadata is the generic Virtualization's plus the two
 * attributes; META-INF/inhabitants/default carries the same line for the habitat.
 */
@Service(
    name = "libvirt-virtualization",
    metadata =
        "target=imsconformance.LibvirtVirtualization,@name=optional,@name=datatype:java.lang.String,@name=leaf,key=@name,keyed-as=org.glassfish.virtualization.config.Virtualization,@type=optional,@type=datatype:java.lang.String,@type=leaf,@template-cache-size=optional,@template-cache-size=default:5,@template-cache-size=datatype:java.lang.String,@template-cache-size=leaf,@template-cache-refresh-rate=optional,@template-cache-refresh-rate=default:120,@template-cache-refresh-rate=datatype:java.lang.String,@template-cache-refresh-rate=leaf,<template>=collection:org.glassfish.virtualization.config.Template,<server-pool-master>=collection:org.glassfish.virtualization.config.GroupManager,<server-pool>=collection:org.glassfish.virtualization.config.ServerPoolConfig,<scripts-location>=leaf,<action>=collection:org.glassfish.virtualization.config.Action,@emulator-path=optional,@emulator-path=datatype:java.lang.String,@emulator-path=leaf,@connection-string=optional,@connection-string=datatype:java.lang.String,@connection-string=leaf")
public class LibvirtVirtualizationInjector extends NoopConfigInjector {}
