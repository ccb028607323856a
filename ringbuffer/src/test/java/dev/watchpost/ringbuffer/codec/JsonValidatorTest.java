package dev.watchpost.ringbuffer.codec;

import static dev.watchpost.ringbuffer.codec.TestBytes.bufferWith;
import static dev.watchpost.ringbuffer.codec.TestBytes.hex;
import static dev.watchpost.ringbuffer.codec.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class JsonValidatorTest {
    private final JsonValidator validator = new JsonValidator();

    private boolean valid(String json) {
        return valid(utf8(json));
    }

    private boolean valid(byte[] json) {
        return validator.isValidObject(bufferWith(json, 5), 5, json.length);
    }

    private static String nested(int arrays) {
        return "{\"a\":" + "[".repeat(arrays) + "]".repeat(arrays) + "}";
    }

    private static String nestedObjects(int depth) {
        return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    @Test
    void shouldAcceptObjectsOfEveryValueKind() {
        assertTrue(valid("{}"));
        assertTrue(valid("{\"hint\":\"a\"}"));
        assertTrue(valid("{\"a\":[1,-2.5,3e2,true,false,null,\"s\",{},[]],\"b\":{\"c\":{}}}"));
    }

    @Test
    void shouldAcceptTheFourWhitespaceBytesAroundAndInside() {
        assertTrue(valid(" \t\r\n{ \"a\" : [ 1 , 2 ] }\r\n\t "));
    }

    @Test
    void shouldRejectAnyOtherWhitespace() {
        assertFalse(valid("{\f}"));
        assertFalse(valid(utf8("{\u00a0}")));
        assertFalse(valid("{}\u000b"));
    }

    @Test
    void shouldRejectEverythingButAnObjectAtTopLevel() {
        assertFalse(valid("[]"));
        assertFalse(valid("[{\"a\":1}]"));
        assertFalse(valid("\"text\""));
        assertFalse(valid("1"));
        assertFalse(valid("null"));
        assertFalse(valid(""));
        assertFalse(valid("   "));
    }

    @Test
    void shouldRejectAByteOrderMark() {
        byte[] bom = hex("ef bb bf");
        byte[] object = utf8("{}");
        byte[] both = new byte[bom.length + object.length];
        System.arraycopy(bom, 0, both, 0, bom.length);
        System.arraycopy(object, 0, both, bom.length, object.length);
        assertFalse(valid(both));
    }

    @Test
    void shouldRejectAnythingButWhitespaceAfterTheObject() {
        assertFalse(valid("{} x"));
        assertFalse(valid("{}{}"));
        assertFalse(valid("{}}"));
        assertFalse(valid("{},"));
    }

    @Test
    void shouldRejectBrokenGrammar() {
        assertFalse(valid("{"));
        assertFalse(valid("{\"a\":1,}"));
        assertFalse(valid("{\"a\":[1,]}"));
        assertFalse(valid("{\"a\" 1}"));
        assertFalse(valid("{\"a\":}"));
        assertFalse(valid("{a:1}"));
        assertFalse(valid("{'a':1}"));
        assertFalse(valid("{\"a\":1 \"b\":2}"));
        assertFalse(valid("{\"a\":[1 2]}"));
        assertFalse(valid("{\"a\":\"unterminated}"));
        assertFalse(valid("{,}"));
    }

    @Test
    void shouldAcceptOnlyTheThreeLowercaseLiterals() {
        assertTrue(valid("{\"a\":true,\"b\":false,\"c\":null}"));
        assertFalse(valid("{\"a\":True}"));
        assertFalse(valid("{\"a\":tru}"));
        assertFalse(valid("{\"a\":nul}"));
        assertFalse(valid("{\"a\":fals}"));
        assertFalse(valid("{\"a\":falsey}"));
        assertFalse(valid("{\"a\":undefined}"));
    }

    @Test
    void shouldAcceptNumbersOfTheRfc8259Grammar() {
        assertTrue(valid("{\"a\":[0,-0,1,-1,10,0.5,-0.0,1e5,1E5,1e+5,1e-5,1.25E-3,123456789012345678901234567890]}"));
    }

    @Test
    void shouldRejectNumbersOutsideTheGrammar() {
        assertFalse(valid("{\"a\":01}"));
        assertFalse(valid("{\"a\":-01}"));
        assertFalse(valid("{\"a\":+1}"));
        assertFalse(valid("{\"a\":-}"));
        assertFalse(valid("{\"a\":1.}"));
        assertFalse(valid("{\"a\":.5}"));
        assertFalse(valid("{\"a\":1e}"));
        assertFalse(valid("{\"a\":1e+}"));
        assertFalse(valid("{\"a\":0x10}"));
        assertFalse(valid("{\"a\":NaN}"));
        assertFalse(valid("{\"a\":Infinity}"));
        assertFalse(valid("{\"a\":-Infinity}"));
    }

    @Test
    void shouldRejectNumbersThatOverflowBinary64() {
        assertFalse(valid("{\"a\":1e400}"));
        assertFalse(valid("{\"a\":-1e400}"));
        assertFalse(valid("{\"a\":1e309}"));
        assertFalse(valid("{\"a\":1.8e308}"));
        assertFalse(valid("{\"a\":1.7976931348623159e308}"));
        assertFalse(valid("{\"a\":0.0018e311}"));
        assertFalse(valid("{\"a\":1" + "0".repeat(309) + "}"));
        assertFalse(valid("{\"a\":1e99999999999999999999}"));
    }

    @Test
    void shouldAcceptNumbersUpToTheLargestBinary64AndAnyUnderflow() {
        assertTrue(valid("{\"a\":1.7976931348623157e308}"));
        assertTrue(valid("{\"a\":-1.7976931348623158e308}"));
        assertTrue(valid("{\"a\":9.99e307}"));
        assertTrue(valid("{\"a\":1e308}"));
        assertTrue(valid("{\"a\":0.00001e313}"));
        assertTrue(valid("{\"a\":1" + "0".repeat(308) + "}"));
        assertTrue(valid("{\"a\":1e-400}"));
        assertTrue(valid("{\"a\":0e999999}"));
        assertTrue(valid("{\"a\":0.000e400}"));
        assertTrue(valid("{\"a\":1e-99999999999999999999}"));
    }

    @Test
    void shouldAcceptDepth16AndRejectDepth17() {
        assertTrue(valid(nested(15)));
        assertFalse(valid(nested(16)));
        assertTrue(valid(nestedObjects(16)));
        assertFalse(valid(nestedObjects(17)));
    }

    @Test
    void shouldAcceptEveryValidEscape() {
        assertTrue(valid("{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC \\ud83d\\ude00\"}"));
    }

    @Test
    void shouldRejectInvalidEscapes() {
        assertFalse(valid("{\"a\":\"\\x\"}"));
        assertFalse(valid("{\"a\":\"\\u12\"}"));
        assertFalse(valid("{\"a\":\"\\uZZZZ\"}"));
        assertFalse(valid("{\"a\":\"\\'\"}"));
        assertFalse(valid("{\"a\":\"\\"));
    }

    @Test
    void shouldRejectLoneSurrogateEscapes() {
        assertFalse(valid("{\"a\":\"\\ud800\"}"));
        assertFalse(valid("{\"a\":\"\\udc00\"}"));
        assertFalse(valid("{\"a\":\"\\ud800\\u0041\"}"));
        assertFalse(valid("{\"a\":\"\\ud800x\"}"));
        assertFalse(valid("{\"a\":\"\\ude00\\ud83d\"}"));
        assertFalse(valid("{\"\\ud800\":1}"));
    }

    @Test
    void shouldRejectRawControlCharactersInStrings() {
        assertFalse(valid("{\"a\":\"tab\there\"}"));
        assertFalse(valid("{\"a\":\"\u0001\"}"));
        assertFalse(valid("{\"a\n\":1}"));
        assertTrue(valid("{\"a\":\"del\u007f\"}"));
    }

    @Test
    void shouldRejectInvalidUtf8() {
        assertFalse(valid(hex("7b 22 61 22 3a 22 c0 af 22 7d")));      // overlong '/'
        assertFalse(valid(hex("7b 22 61 22 3a 22 ed a0 80 22 7d")));   // encoded surrogate
        assertFalse(valid(hex("7b 22 61 22 3a 22 c3 22 7d")));         // truncated
        assertTrue(valid(hex("7b 22 61 22 3a 22 c3 a9 22 7d")));       // é
    }

    @Test
    void shouldRejectNoncharactersInStrings() {
        assertFalse(valid("{\"a\":\"\\uffff\"}"));
        assertFalse(valid("{\"a\":\"\\ufdd0\"}"));
        assertFalse(valid(hex("7b 22 61 22 3a 22 ef bf be 22 7d")));   // raw U+FFFE
        assertFalse(valid("{\"a\":\"\\ud83f\\udfff\"}"));               // U+1FFFF
    }

    @Test
    void shouldRejectDuplicateMemberNames() {
        assertFalse(valid("{\"a\":1,\"a\":2}"));
        assertFalse(valid("{\"a\":1,\"b\":2,\"a\":{}}"));
        assertFalse(valid("{\"x\":{\"a\":1,\"a\":2}}"));
        assertFalse(valid("{\"\":1,\"\":2}"));
    }

    @Test
    void shouldCompareMemberNamesAfterUnescaping() {
        assertFalse(valid("{\"a\":1,\"\\u0061\":2}"));
        assertFalse(valid("{\"\\u0061\":1,\"a\":2}"));
        assertFalse(valid("{\"é\":1,\"\\u00e9\":2}"));
        assertFalse(valid("{\"😀\":1,\"\\ud83d\\ude00\":2}"));
        assertFalse(valid("{\"a/b\":1,\"a\\/b\":2}"));
        assertTrue(valid("{\"a\":1,\"\\u0062\":2,\"ab\":3,\"\\u0061\\u0062c\":4}"));
    }

    @Test
    void shouldAcceptTheSameNameInDifferentObjects() {
        assertTrue(valid("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}"));
    }

    @Test
    void shouldTellApartDistinctNamesWithEqualHashes() {
        assertTrue(valid("{\"Aa\":1,\"BB\":2,\"AaAa\":3,\"BBBB\":4,\"AaBB\":5,\"BBAa\":6}"));
        assertFalse(valid("{\"Aa\":1,\"BB\":2,\"Aa\":3}"));
    }

    @Test
    void shouldFindADuplicateAmongThousandsOfMembers() {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 5000; i++) {
            json.append("\"m").append(i).append("\":").append(i).append(',');
        }
        String distinct = json + "\"last\":0}";
        String duplicate = json + "\"m4321\":0}";
        assertTrue(valid(distinct));
        assertFalse(valid(duplicate));
    }

    @Test
    void shouldStayCorrectAfterAFailureMidDocument() {
        assertFalse(valid("{\"a\":{\"b\":1,\"c\":[1,"));
        assertTrue(valid("{\"b\":1,\"c\":2}"));
        assertFalse(valid("{\"b\":1,\"b\":2}"));
    }

    @Test
    void shouldJudgeOnlyTheGivenRange() {
        byte[] bytes = utf8("{\"a\":1}garbage");
        assertTrue(validator.isValidObject(bufferWith(bytes, 0), 0, 7));
        assertFalse(validator.isValidObject(bufferWith(bytes, 0), 0, 6));
    }

    @Test
    void shouldAcceptTheLargestPayloadAFrameCanCarry() {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        json.writeBytes(utf8("{\"s\":\""));
        while (json.size() < 65536 - 158 - 2) {
            json.write('x');
        }
        json.writeBytes(utf8("\"}"));
        assertTrue(valid(json.toByteArray()));
    }

    @Test
    void shouldJudgeAlikeWhateverBufferHoldsTheBytes() {
        String[] documents = {
            "{\"a\":[1,2.5e3,true,null],\"b\":{\"c\":\"\u00e9\"}}",
            "{\"a\":1,\"\\u0061\":2}",
            "{\"n\":1.7e308}",
            "{\"n\":1.8e308}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":1,}",
        };
        for (String document : documents) {
            byte[] json = utf8(document);
            boolean expected = valid(json);
            ByteBuffer direct = ByteBuffer.allocateDirect(json.length + 11);
            direct.put(11, json);
            ByteBuffer sliced = bufferWith(json, 9).slice(4, json.length + 9);
            assertEquals(expected, validator.isValidObject(direct, 11, json.length), document);
            assertEquals(expected, validator.isValidObject(bufferWith(json, 3).asReadOnlyBuffer(), 3, json.length), document);
            assertEquals(expected, validator.isValidObject(sliced, 5, json.length), document);
            assertEquals(expected, validator.isValidObject(json, 0, json.length), document);
        }
        assertTrue(valid(utf8(documents[0])));
        assertFalse(valid(utf8(documents[1])));
        assertTrue(valid(utf8(documents[2])));
        assertFalse(valid(utf8(documents[3])));
    }

    @Test
    void shouldRefuseARangeOutsideTheArray() {
        byte[] json = utf8("{}");
        assertThrows(IndexOutOfBoundsException.class, () -> validator.isValidObject(json, 1, 2));
    }
}
