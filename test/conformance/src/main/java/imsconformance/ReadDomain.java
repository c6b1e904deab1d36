package imsconformance;

import com.sun.enterprise.config.serverbeans.Domain;
import com.sun.enterprise.module.bootstrap.StartupContext;
import com.sun.enterprise.module.single.StaticModulesRegistry;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.glassfish.virtualization.config.MachineConfig;
import org.glassfish.virtualization.config.ServerPoolConfig;
import org.glassfish.virtualization.config.VirtUser;
import org.glassfish.virtualization.config.Virtualization;
import org.glassfish.virtualization.config.Virtualizations;
import org.jvnet.hk2.component.Habitat;
import org.jvnet.hk2.config.ConfigParser;
import org.jvnet.hk2.config.Dom;
import org.jvnet.hk2.config.DomDocument;

/**
 * Reads each domain.xml given as an argument into GlassFish 4.0-b33's own configuration beans
 * (an HK2 habitat built from the jars on the class path, the file parsed by HK2's ConfigParser)
 * and prints, as one JSON object per line, the IMS configuration the beans hold, together with
 * what the parser logged as ignored.
 */
public final class ReadDomain {
  private ReadDomain() {}

  public static void main(String[] args) throws Exception {
    List<String> logged = new ArrayList<>();
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) root.removeHandler(h);
    root.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            String m = r.getMessage();
            if (m != null && r.getLevel().intValue() >= Level.INFO.intValue()) {
              Object[] p = r.getParameters();
              if (p != null) for (int i = 0; i < p.length; i++) m = m.replace("{" + i + "}", String.valueOf(p[i]));
              // HK2 appends the whole parser location over several lines: the first says enough.
              logged.add(m.split("\n", 2)[0]);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });

    Properties props = new Properties();
    props.put("com.sun.aas.installRoot", new File(".").getAbsolutePath());
    props.put("com.sun.aas.instanceRoot", new File(".").getAbsolutePath());
    StaticModulesRegistry registry =
        new StaticModulesRegistry(ReadDomain.class.getClassLoader(), new StartupContext(props));
    Habitat habitat = registry.createHabitat("default");

    for (String arg : args) {
      logged.clear();
      File file = new File(arg);
      DomDocument<Dom> document = new DomDocument<>(habitat);
      new ConfigParser(habitat).parse(file.toURI().toURL(), document);
      Domain domain = document.getRoot().createProxy(Domain.class);
      Json out = new Json().open();
      out.field("file", file.getPath());
      out.key("virtualizations").array();
      Virtualizations virts = domain.getExtensionByType(Virtualizations.class);
      if (virts != null) {
        for (Virtualization v : virts.getVirtualizations()) writeVirtualization(out, v);
      }
      out.end();
      out.key("logged").array();
      for (String m : logged) out.value(m);
      out.end();
      System.out.println(out.close());
    }
  }

  private static void writeVirtualization(Json out, Virtualization v) {
    Dom dom = Dom.unwrap(v);
    out.open();
    out.field("element", dom.model.getTagName());
    out.field("bean", dom.getProxyType().getSimpleName());
    out.field("name", v.getName());
    out.field("type", v.getType());
    if (v instanceof LibvirtVirtualization) {
      LibvirtVirtualization l = (LibvirtVirtualization) v;
      out.field("emulatorPath", l.getEmulatorPath());
      out.field("connectionString", l.getConnectionString());
    }
    out.field("templateCacheSize", v.getTemplateCacheSize());
    out.field("templateCacheRefreshRate", v.getTemplateCacheRefreshRate());
    out.key("serverPools").array();
    for (ServerPoolConfig pool : v.getServerPools()) {
      out.open();
      out.field("name", pool.getName());
      out.field("subNet", pool.getSubNet());
      out.field("portName", pool.getPortName());
      writeUser(out, pool.getUser());
      out.key("machines").array();
      for (MachineConfig m : pool.getMachines()) {
        out.open();
        out.field("name", m.getName());
        out.field("networkName", m.getNetworkName());
        out.field("ipAddress", m.getIpAddress());
        out.field("macAddress", m.getMacAddress());
        writeUser(out, m.getUser());
        out.end();
      }
      out.end();
      out.end();
    }
    out.end();
    out.end();
  }

  private static void writeUser(Json out, VirtUser u) {
    out.key("user");
    if (u == null) {
      out.nil();
      return;
    }
    out.open();
    out.field("name", u.getName());
    out.field("userId", u.getUserId());
    out.field("groupId", u.getGroupId());
    out.field("authMethod", u.getAuthMethod());
    out.end();
  }
}
