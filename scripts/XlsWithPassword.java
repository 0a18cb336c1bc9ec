// Writes an Excel 97-2003 workbook (.xls) with Apache POI, one sheet named
// "cards" whose rows are the arguments after PASSWORD (cells separated by
// "|"), encrypted with PASSWORD (RC4 CryptoAPI, POI's scheme for BIFF8)
// unless it is "-": the real software's output for pan-scan's fixtures
// (scripts/mkformats.py runs this; Debian: default-jdk-headless
// libapache-poi-java). Excel encrypts a workbook whose structure is
// protected with its built-in password, "VelvetSweatshop".
//
//     java -cp POI_JARS scripts/XlsWithPassword.java OUT.xls PASSWORD ROW...

import java.io.FileOutputStream;

import org.apache.poi.hssf.record.crypto.Biff8EncryptionKey;
import org.apache.poi.hssf.usermodel.HSSFRow;
import org.apache.poi.hssf.usermodel.HSSFSheet;
import org.apache.poi.hssf.usermodel.HSSFWorkbook;

public class XlsWithPassword {
    public static void main(String[] args) throws Exception {
        HSSFWorkbook book = new HSSFWorkbook();
        HSSFSheet sheet = book.createSheet("cards");
        for (int r = 2; r < args.length; r++) {
            HSSFRow row = sheet.createRow(r - 2);
            String[] cells = args[r].split("\\|", -1);
            for (int c = 0; c < cells.length; c++) {
                row.createCell(c).setCellValue(cells[c]);
            }
        }
        if (!args[1].equals("-")) {
            Biff8EncryptionKey.setCurrentUserPassword(args[1]);
        }
        try (FileOutputStream out = new FileOutputStream(args[0])) {
            book.write(out);
        }
    }
}
