package imsconformance;

import org.glassfish.virtualization.config.Virtualization;
import org.jvnet.hk2.config.Attribute;
import org.jvnet.hk2.config.Configured;

/**
 * A stand-in for the `<libvirt-virtualization>` bean of GlassFish's libvirt plugin, which is not
 * on Maven Central. It declares only what the plugin adds to the generic {@link Virtualization}:
 * the element name (see META-INF/inhabitants/default) and two attributes, without defaults, so an
 * absent attribute reads as null.
 */
@Configured
public interface LibvirtVirtualization extends Virtualization {
  @Attribute
  String getEmulatorPath();

  void setEmulatorPath(String value);

  @Attribute
  String getConnectionString();

  void setConnectionString(String value);
}
