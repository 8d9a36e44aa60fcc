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
 * {@link #combine} applies it in one product of 32 steps, whatever the length. A frame compressed once carries its
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
 * <p>Altered from the original: written in Java, and the product is branch-free (all 32 steps, no early exit).
 *
 * <p><b>Threading.</b> Stateless; any thread.
 */
public final class Crc32Combine {
  /** The CRC-32 polynomial, bit-reflected: bit 31 is the coefficient of x<sup>0</sup>, as in a CRC-32 value. */
  private static final int POLY = 0xedb88320;
  /** x<sup>0</sup> = 1 in that representation: the operator of an empty sequence. */
  private static final int ONE = 1 << 31;
  /** x<sup>2<sup>k</sup></sup> modulo P for k = 0..31; the sequence repeats after 32 (zlib's {@code x2n_table}). */
  private static final int[] X2N = new int[32];

  static {
    int p = ONE >>> 1; // x^1
    X2N[0] = p;
    for (int k = 1; k < X2N.length; k++) {
      p = multiply(p, p);
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
   * Multiplies two polynomials modulo the CRC-32 polynomial, both bit-reflected (zlib's {@code multmodp}): for each
   * coefficient of {@code a}, from x<sup>0</sup> up, adds {@code b} when it is set, then multiplies {@code b} by x.
   */
  static int multiply(int a, int b) {
    int product = 0;
    for (int i = 0; i < 32; i++) {
      product ^= b & ((a << i) >> 31); // all ones when a's coefficient of x^i is set
      b = (b >>> 1) ^ (POLY & -(b & 1));
    }
    return product;
  }
}
