package dev.herald.sse.core.internal;

/**
 * The CRC-32 of two byte sequences one after the other, from the CRC-32 of each and the length of the second, without
 * the bytes: what lets a compressed stream keep its gzip trailer's CRC-32 from each event's CRC-32, computed once for
 * every client, instead of running the CRC over every event again per client ({@link GzipChannel}).
 *
 * <p>A port of zlib's {@code crc32_combine_gen64} and {@code crc32_combine_op} (zlib 1.2.12 and later, {@code crc32.c},
 * by Mark Adler). Appending {@code n} bytes to a message multiplies its CRC's polynomial by x<sup>8n</sup> modulo the
 * CRC-32 polynomial; so the CRC of A then B is {@code crc(A)·x^(8·len(B)) mod P  xor  crc(B)}. The factor, the
 * <em>operator</em>, depends only on the length of B: {@link #operator(long)} computes it in O(log n) products, and
 * {@link #combine} applies it in one product, whatever the length. A frame compressed once carries its
 * operator, so each client pays the one product. (Java has no public API for this: {@link java.util.zip.CRC32} only
 * updates over bytes.)
 *
 * <p>zlib's {@code crc32.c} is Copyright (C) 1995-2022 Mark Adler, under zlib's licence ({@code zlib.h}):
 *
 * <pre>
 * Copyright (C) 1995-2022 Jean-loup Gailly and Mark Adler
 *
 * This software is provided 'as-is', without any express or implied warranty. In no event will the authors be held
 * liable for any damages arising from the use of this software.
 *
 * Permission is granted to anyone to use this software for any purpose, including commercial applications, and to
 * alter it and redistribute it freely, subject to the following restrictions:
 *
 * 1. The origin of this software must not be misrepresented; you must not claim that you wrote the original
 *    software. If you use this software in a product, an acknowledgment in the product documentation would be
 *    appreciated but is not required.
 * 2. Altered source versions must be plainly marked as such, and must not be misrepresented as being the original
 *    software.
 * 3. This notice may not be removed or altered from any source distribution.
 * </pre>
 *
 * <p>Altered from the original: written in Java, and the product is taken a byte at a time with CRC-32's byte table
 * ({@link #multiply}) rather than a bit at a time, branch-free.
 *
 * <p><b>Threading.</b> Stateless; any thread.
 */
public final class Crc32Combine {
  /** The CRC-32 polynomial, bit-reflected: bit 31 is the coefficient of x<sup>0</sup>, as in a CRC-32 value. */
  private static final int POLY = 0xedb88320;
  /** x<sup>0</sup> = 1 in that representation: the operator of an empty sequence. */
  private static final int ONE = 1 << 31;
  /**
   * Each polynomial of degree 24 to 31 (the low byte of a value) times x<sup>8</sup> modulo P: CRC-32's byte table,
   * which multiplies any value by x<sup>8</sup> in one look-up.
   */
  private static final int[] TIMES_X8 = new int[256];
  /** x<sup>2<sup>k</sup></sup> modulo P for k = 0..31; the sequence repeats after 32 (zlib's {@code x2n_table}). */
  private static final int[] X2N = new int[32];

  static {
    for (int n = 0; n < TIMES_X8.length; n++) {
      int p = n;
      for (int i = 0; i < 8; i++) {
        p = timesX(p);
      }
      TIMES_X8[n] = p;
    }
    int p = ONE >>> 1; // x^1
    X2N[0] = p;
    for (int k = 1; k < X2N.length; k++) {
      p = multiplyBitwise(p, p);
      X2N[k] = p;
    }
  }

  private Crc32Combine() {}

  /**
   * Computes the operator that appends {@code length} bytes to a CRC-32: x<sup>8·length</sup> modulo the CRC-32
   * polynomial, in O(log length) products.
   *
   * @param length how many bytes the second sequence has, zero or more
   * @return the operator, for {@link #combine}
   */
  public static int operator(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length < 0: " + length);
    }
    int p = ONE;
    int k = 3; // x^(8n) = x^(n·2^3)
    for (long n = length; n != 0; n >>>= 1, k++) {
      if ((n & 1) != 0) {
        p = multiply(X2N[k & 31], p);
      }
    }
    return p;
  }

  /**
   * Combines two CRC-32 values: the CRC-32 of a first sequence followed by a second one.
   *
   * @param crc1 the CRC-32 of the first sequence
   * @param crc2 the CRC-32 of the second sequence
   * @param operator {@link #operator(long)} of the second sequence's length
   * @return the CRC-32 of both, one after the other
   */
  public static int combine(int crc1, int crc2, int operator) {
    return multiply(operator, crc1) ^ crc2;
  }

  /**
   * Multiplies two polynomials modulo the CRC-32 polynomial, both bit-reflected, a byte of {@code a} at a time
   * (Horner's rule from its highest powers down): each step multiplies the product so far by x<sup>8</sup> with one
   * look-up in {@link #TIMES_X8}, and adds the byte times {@code b}, made from {@code b}·x<sup>0..7</sup>, which are
   * computed once. Four dependent steps instead of {@link #multiplyBitwise}'s 32, so about half its time.
   */
  static int multiply(int a, int b) {
    int b1 = timesX(b);
    int b2 = timesX(b1);
    int b3 = timesX(b2);
    int b4 = timesX(b3);
    int b5 = timesX(b4);
    int b6 = timesX(b5);
    int b7 = timesX(b6);
    int product = 0;
    for (int j = 24; j >= 0; j -= 8) {
      int s = a << j; // a's coefficients of x^j .. x^(j+7), in bits 31 down to 24
      int term = (b & (s >> 31)) ^ (b1 & ((s << 1) >> 31)) ^ (b2 & ((s << 2) >> 31)) ^ (b3 & ((s << 3) >> 31))
          ^ (b4 & ((s << 4) >> 31)) ^ (b5 & ((s << 5) >> 31)) ^ (b6 & ((s << 6) >> 31)) ^ (b7 & ((s << 7) >> 31));
      product = (product >>> 8) ^ TIMES_X8[product & 0xff] ^ term;
    }
    return product;
  }

  /**
   * Multiplies as {@link #multiply} does, a bit at a time (zlib's {@code multmodp}, without its early exit): for each
   * coefficient of {@code a}, from x<sup>0</sup> up, adds {@code b} when it is set, then multiplies {@code b} by x.
   * Builds the tables, and is the reference the tests and {@code GzipTrailerBenchmark} hold the faster one to.
   *
   * @param a a polynomial, bit-reflected
   * @param b another
   * @return their product modulo P
   */
  public static int multiplyBitwise(int a, int b) {
    int product = 0;
    for (int i = 0; i < 32; i++) {
      product ^= b & ((a << i) >> 31); // all ones when a's coefficient of x^i is set
      b = timesX(b);
    }
    return product;
  }

  /** Multiplies by x modulo P: a shift toward the higher powers, and P added when x^32 comes out. */
  private static int timesX(int b) {
    return (b >>> 1) ^ (POLY & -(b & 1));
  }
}
