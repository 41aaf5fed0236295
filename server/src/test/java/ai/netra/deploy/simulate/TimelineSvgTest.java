package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TimelineSvgTest {

  @Test
  void everyStepIsOneBarInItsPhaseLaneColouredByStatus() throws Exception {
    String svg = TimelineSvg.render(Reports.ready(), "netra <startup> & more", List.of(
        new TimelineSvg.Marker("listening", 120, "#8250df"), new TimelineSvg.Marker("ready", 1750, "#1a7f37")));
    Document doc = parse(svg);
    List<Element> bars = stepBars(doc);
    assertThat(bars).extracting(b -> b.getAttribute("data-step"))
        .containsExactly("settings", "database", "migrations", "llm-manager", "self-check");
    assertThat(bars).extracting(b -> b.getAttribute("data-phase"))
        .containsExactly("INIT", "DATABASE", "DATABASE", "FINALIZE", "FINALIZE");
    Element database = bars.get(1);
    assertThat(database.getAttribute("fill")).isEqualTo(TimelineSvg.COLOURS.get(ai.netra.startup.StepStatus.OK));
    assertThat(Double.parseDouble(database.getAttribute("width")))
        .as("the 500 ms database bar is longer than the 60 ms settings bar")
        .isGreaterThan(Double.parseDouble(bars.getFirst().getAttribute("width")));
    assertThat(Double.parseDouble(bars.get(2).getAttribute("x"))).as("migrations starts where database ends")
        .isCloseTo(Double.parseDouble(database.getAttribute("x")) + Double.parseDouble(database.getAttribute("width")),
            org.assertj.core.data.Offset.offset(0.2));
    assertThat(doc.getElementsByTagName("g").getLength()).as("one lane per phase").isEqualTo(3);
    assertThat(svg).as("text is escaped, never raw markup").contains("netra &lt;startup&gt; &amp; more");
    assertThat(markerCount(doc)).isEqualTo(2);
  }

  @Test
  void aRunningStepRunsToTheReportsTimeAndAStepNotStartedIsStillABar() throws Exception {
    Document doc = parse(TimelineSvg.render(Reports.startingInDatabase(), "stuck", List.of()));
    List<Element> bars = stepBars(doc);
    assertThat(bars).extracting(b -> b.getAttribute("data-status")).containsExactly("OK", "RUNNING", "PENDING");
    assertThat(bars.get(2).getAttribute("stroke-dasharray")).as("a step that never started is drawn hollow").isNotEmpty();
  }

  @Test
  void axisTicksAreOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(TimelineSvg.tick(1700)).isEqualTo(200);
    assertThat(TimelineSvg.tick(9000)).isEqualTo(1000);
    assertThat(TimelineSvg.tick(240_000)).isEqualTo(50_000);
    assertThat(TimelineSvg.seconds(1500)).isEqualTo("1.5 s");
    assertThat(TimelineSvg.seconds(0)).isEqualTo("0 s");
  }

  static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  static List<Element> stepBars(Document doc) {
    List<Element> bars = new ArrayList<>();
    NodeList rects = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
    for (int i = 0; i < rects.getLength(); i++) {
      Element e = (Element) rects.item(i);
      if (e.getAttribute("class").equals("step")) {
        bars.add(e);
      }
    }
    return bars;
  }

  private static int markerCount(Document doc) {
    int count = 0;
    NodeList lines = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "line");
    for (int i = 0; i < lines.getLength(); i++) {
      if (((Element) lines.item(i)).getAttribute("class").equals("marker")) {
        count++;
      }
    }
    return count;
  }
}
