// Writes a PowerPoint 97-2003 presentation (.ppt) with Apache POI, one slide
// holding TEXT, encrypted with PASSWORD unless it is "-": the real
// software's output for pan-scan's fixtures (scripts/mkformats.py runs
// this; Debian: default-jdk-headless libapache-poi-java).
//
//     java -cp POI_JARS scripts/PptWithPassword.java OUT.ppt TEXT PASSWORD

import java.awt.Rectangle;
import java.io.FileOutputStream;

import org.apache.poi.hslf.usermodel.HSLFSlide;
import org.apache.poi.hslf.usermodel.HSLFSlideShow;
import org.apache.poi.hslf.usermodel.HSLFTextBox;
import org.apache.poi.hssf.record.crypto.Biff8EncryptionKey;

public class PptWithPassword {
    public static void main(String[] args) throws Exception {
        HSLFSlideShow show = new HSLFSlideShow();
        HSLFSlide slide = show.createSlide();
        HSLFTextBox box = slide.createTextBox();
        box.setText(args[1]);
        box.setAnchor(new Rectangle(50, 50, 500, 100));
        if (!args[2].equals("-")) {
            Biff8EncryptionKey.setCurrentUserPassword(args[2]);
        }
        try (FileOutputStream out = new FileOutputStream(args[0])) {
            show.write(out);
        }
    }
}
